/**
 * The vendor's "weighted length" of a title: every Unicode code point counts 1, except CJK
 * ideographs, kana, hangul and full-width forms, which count 2. The vendor states the rule ("a
 * Chinese character counts as two") without listing ranges; the ranges below are ours
 * (docs/fidelity.md, "Weighted length").
 */
const WIDE_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x11ff], // Hangul Jamo
  [0x3040, 0x309f], // Hiragana
  [0x30a0, 0x30ff], // Katakana
  [0x3130, 0x318f], // Hangul Compatibility Jamo
  [0x31f0, 0x31ff], // Katakana Phonetic Extensions
  [0x3400, 0x4dbf], // CJK Unified Ideographs Extension A
  [0x4e00, 0x9fff], // CJK Unified Ideographs
  [0xa960, 0xa97f], // Hangul Jamo Extended-A
  [0xac00, 0xd7af], // Hangul Syllables
  [0xd7b0, 0xd7ff], // Hangul Jamo Extended-B
  [0xf900, 0xfaff], // CJK Compatibility Ideographs
  [0xff01, 0xff60], // Full-width ASCII variants and punctuation
  [0xffe0, 0xffe6], // Full-width signs
  [0x1b000, 0x1b16f], // Kana Supplement / Extended-A / Small Kana Extension
  [0x20000, 0x2fa1f], // CJK Unified Ideographs Extensions B–F, Compatibility Supplement
  [0x30000, 0x323af], // CJK Unified Ideographs Extensions G–H
];

/** Whether one code point counts 2 toward a weighted length. */
export function isWide(codePoint: number): boolean {
  if (codePoint < 0x1100) return false;
  for (const [lo, hi] of WIDE_RANGES) {
    if (codePoint < lo) return false;
    if (codePoint <= hi) return true;
  }
  return false;
}

/** The weighted length of `text` (see the module comment). */
export function weightedLength(text: string): number {
  let n = 0;
  for (const ch of text) n += isWide(ch.codePointAt(0) as number) ? 2 : 1;
  return n;
}
