// RFC 6238 TOTP codes for the demo users (HMAC-SHA-1, 6 digits, 30 s
// steps), computed in Node from the base32 secrets that `dsg serve --demo`
// prints.
//
// The gateway accepts the current step and one step either side, and each
// step only once per user, in increasing order (a code for a step at or
// before the last one used is refused). So the tests keep, per user, the
// last step used, and ask for max(now, last + 1); if that is beyond now + 1
// they wait until it is within the accepted window.

import { createHmac } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";

export const STEP_SECONDS = 30;
export const DIGITS = 6;

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** Decodes RFC 4648 base32 (case-insensitive, padding and spaces ignored). */
export function base32Decode(text) {
  const clean = text.toUpperCase().replace(/[\s=-]/g, "");
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of clean) {
    const v = BASE32.indexOf(ch);
    if (v < 0) throw new Error(`invalid base32 character ${JSON.stringify(ch)}`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The time step of a Unix time in milliseconds. */
export function stepAt(ms = Date.now()) {
  return Math.floor(ms / 1000 / STEP_SECONDS);
}

/** The HOTP code (RFC 4226) of a key for a counter. */
export function hotp(key, counter) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac("sha1", key).update(msg).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const bin = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(bin % 10 ** DIGITS).padStart(DIGITS, "0");
}

/** The TOTP code of a base32 secret for a time step. */
export function totpAt(secretBase32, step) {
  return hotp(base32Decode(secretBase32), step);
}

/**
 * Per-user TOTP state for one gateway: the secret and the last step used.
 * `lastUsed` is what the demo seeding already consumed.
 */
export class TotpBook {
  constructor() {
    this.users = new Map();
  }

  add(username, secretBase32, lastUsed) {
    this.users.set(username, { secret: secretBase32, last: lastUsed });
  }

  has(username) {
    return this.users.has(username);
  }

  /**
   * A code for a step that has not been used and that the gateway accepts
   * now (waiting up to one step if needed). Marks the step used: call it
   * right before submitting the code.
   */
  async next(username) {
    const u = this.users.get(username);
    if (!u) throw new Error(`no TOTP secret for ${username}`);
    for (;;) {
      const now = stepAt();
      const step = Math.max(now, u.last + 1);
      if (step <= now + 1) {
        u.last = step;
        return { code: totpAt(u.secret, step), step };
      }
      // Wait until `step` is the next step (now + 1), plus a little margin.
      const waitMs = (step - 1) * STEP_SECONDS * 1000 - Date.now() + 250;
      await sleep(Math.max(waitMs, 50));
    }
  }
}
