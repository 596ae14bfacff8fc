// Types of thirdParty.mjs for vite.config.ts (the build scripts are plain JavaScript run by Node).
import type { Plugin } from "vite";

export function thirdPartyLicences(options: { rustJson: string; makeRule: string }): Plugin[];
