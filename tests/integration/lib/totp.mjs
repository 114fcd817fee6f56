// TOTP as an authenticator app computes it (RFC 6238: HMAC-SHA1, 30 s steps, 6 digits), from
// the secret a test enrolled; for the tests of two-factor sign-in over the API and in the browser.
import { createHmac } from 'node:crypto';

import { sleep } from './harness.mjs';

const STEP_MS = 30_000;

export function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of text.replace(/=+$/, '').toUpperCase()) {
    const index = alphabet.indexOf(c);
    if (index < 0) throw new Error(`not base32: ${text}`);
    value = ((value << 5) | index) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

function hotp(key, counter) {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(message).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
  return String(binary % 1_000_000).padStart(6, '0');
}

// Hands out codes the server accepts (it takes the previous, current and next step, each at
// most once and only after the last one used), without waiting for the clock when it can.
export class Authenticator {
  constructor(secret) {
    this.key = base32Decode(secret);
    this.lastStep = -Infinity;
  }

  static currentStep() {
    return Math.floor(Date.now() / STEP_MS);
  }

  async nextCode() {
    for (;;) {
      const now = Date.now();
      const current = Math.floor(now / STEP_MS);
      const left = STEP_MS - (now % STEP_MS);
      // The previous step is accepted only while the current one lasts; near its end it is not
      // safe to send any more.
      const earliest = left > 3_000 ? current - 1 : current;
      const step = Math.max(this.lastStep + 1, earliest);
      if (step <= current + 1) {
        this.lastStep = step;
        return hotp(this.key, step);
      }
      await sleep(left + 100);
    }
  }

  // A well-formed code the server cannot accept now.
  wrongCode() {
    return hotp(this.key, Authenticator.currentStep() + 20);
  }
}
