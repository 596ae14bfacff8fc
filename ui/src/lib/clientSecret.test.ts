import { describe, expect, it } from "vitest";
import { clientSecretProblem } from "./clientSecret";

// The same cases as crates/dataverse/src/input.rs `client_secret`, and every GUID form `Uuid::try_parse` reads.
describe("Client secret shape", () => {
  it.each([
    "abc8Q~secret",
    "x",
    "0b6f0b57-7e3f-4c1e-9d9e-6f0a1f2b3c4",
    "0b6f0b57-7e3f-4c1e-9d9e-6f0a1f2b3c4dd",
    "in the middle ok",
  ])("accepts %j", (secret) => {
    expect(clientSecretProblem(secret)).toBeUndefined();
  });

  it("refuses an empty secret", () => {
    expect(clientSecretProblem("")).toEqual({
      field: "client_secret",
      message: "It is empty",
      hint: "Paste the secret's Value.",
    });
  });

  it.each([" x ", "x ", " x", "\tx", "x\n"])("refuses %j, with spaces or line breaks around it", (secret) => {
    expect(clientSecretProblem(secret)).toEqual({
      field: "client_secret",
      message: "It has spaces or line breaks around it",
      hint: "Paste the secret's Value exactly.",
    });
  });

  it.each([
    "0b6f0b57-7e3f-4c1e-9d9e-6f0a1f2b3c4d",
    "0B6F0B57-7E3F-4C1E-9D9E-6F0A1F2B3C4D",
    "0b6f0b577e3f4c1e9d9e6f0a1f2b3c4d",
    "{0b6f0b57-7e3f-4c1e-9d9e-6f0a1f2b3c4d}",
    "urn:uuid:0b6f0b57-7e3f-4c1e-9d9e-6f0a1f2b3c4d",
  ])("refuses the secret's ID %j", (secret) => {
    expect(clientSecretProblem(secret)).toEqual({
      field: "client_secret",
      message: "This looks like the secret's ID, not its value",
      hint: "In Certificates & secrets, copy the Value column (shown only right after creating the secret).",
    });
  });

  it.each([
    "x0b6f0b57-7e3f-4c1e-9d9e-6f0a1f2b3c4d",
    "0b6f0b57-7e3f-4c1e-9d9e-6f0a1f2b3c4dx",
    "0b6f0b57-7e3f-4c1e-9d9e-6f0a1f2b3c4g",
    "{0b6f0b577e3f4c1e9d9e6f0a1f2b3c4d}",
    "urn:uuid:0b6f0b577e3f4c1e9d9e6f0a1f2b3c4",
    "0b6f0b57_7e3f_4c1e_9d9e_6f0a1f2b3c4d",
  ])("accepts %j, which is no GUID", (secret) => {
    expect(clientSecretProblem(secret)).toBeUndefined();
  });

  it("accepts 1024 characters and refuses more, counted as Rust counts chars", () => {
    expect(clientSecretProblem("x".repeat(1024))).toBeUndefined();
    // 1024 emoji are 2048 UTF-16 units but 1024 chars: still accepted.
    expect(clientSecretProblem("😀".repeat(1024))).toBeUndefined();
    expect(clientSecretProblem("x".repeat(1025))).toEqual({
      field: "client_secret",
      message: "It is 1025 characters long; a client secret has about 40",
      hint: "Paste the secret's Value, and only that.",
    });
  });
});
