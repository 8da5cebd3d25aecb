/**
 * A 53-bit fingerprint of a text: a number to remember per socket or per node instead of the text
 * (hundreds of bytes each at a hundred thousand of them). Two 32-bit FNV-1a hashes with different
 * offsets; a collision (≈ 2^-53) would only delay one update to the next change.
 */
export function fingerprint(text: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    a = Math.imul(a ^ code, 0x01000193) >>> 0;
    b = Math.imul(b ^ code, 0x811c9dc5) >>> 0;
  }
  return (a & 0x1fffff) * 0x100000000 + b;
}
