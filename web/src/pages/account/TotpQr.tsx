// A QR code of an otpauth:// URI for authenticator apps, drawn as one SVG path from the code's
// modules: no markup strings, no data: URLs (the page runs under a strict CSP).

import qrcode from "qrcode-generator";
import { useMemo } from "react";

/** Quiet zone around the code, in modules (the standard asks for four). */
const MARGIN = 4;

/** The text as one character per UTF-8 byte: the generator's byte mode takes the low 8 bits. */
function utf8Bytes(text: string): string {
  let out = "";
  for (const byte of new TextEncoder().encode(text)) out += String.fromCharCode(byte);
  return out;
}

/** The SVG path of the dark modules, each a 1×1 square offset by the margin; and the code's size. */
export function qrPath(text: string): { d: string; size: number } {
  const code = qrcode(0, "M");
  code.addData(utf8Bytes(text), "Byte");
  code.make();
  const count = code.getModuleCount();
  const parts: string[] = [];
  for (let r = 0; r < count; r += 1) {
    for (let c = 0; c < count; c += 1) {
      if (code.isDark(r, c)) parts.push(`M${c + MARGIN} ${r + MARGIN}h1v1h-1z`);
    }
  }
  return { d: parts.join(""), size: count + 2 * MARGIN };
}

export function TotpQr({ value, label }: { value: string; label: string }) {
  const { d, size } = useMemo(() => qrPath(value), [value]);
  return (
    <svg className="totp-qr" viewBox={`0 0 ${size} ${size}`} role="img" aria-label={label} shapeRendering="crispEdges" xmlns="http://www.w3.org/2000/svg">
      <rect x="0" y="0" width={size} height={size} fill="#ffffff" />
      <path d={d} fill="#000000" />
    </svg>
  );
}
