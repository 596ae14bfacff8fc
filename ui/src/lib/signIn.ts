// The two ways a person signs in, as the core's SignInMethod.
import type { SignInMethod } from "../bindings";

/** The system browser, back to a loopback listener; no account is suggested to it. */
export const browser: SignInMethod = { method: "browser", login_hint: null };
/** A code to enter in a browser anywhere. */
export const deviceCode: SignInMethod = { method: "device_code" };
