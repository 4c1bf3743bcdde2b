// A client's word quoted back in a FAIL reply (QEMU: "FAIL Unknown command '%s'"). Printable ASCII up
// to ECHO_MAX characters comes back as QEMU sends it; anything else is escaped (\xHH, \u{H}: a reply
// is one line of ASCII whatever the client sent) and the quote is cut at ECHO_MAX characters
// (marked "...") so that a reply stays short.

export const ECHO_MAX = 64;

export function echoWord(word: string): string {
  let out = '';
  for (const ch of word) {
    const c = ch.codePointAt(0)!;
    const piece = c >= 0x20 && c <= 0x7e ? ch : c <= 0xff ? '\\x' + c.toString(16).padStart(2, '0') : `\\u{${c.toString(16)}}`;
    if (out.length + piece.length > ECHO_MAX) return out + '...';
    out += piece;
  }
  return out;
}
