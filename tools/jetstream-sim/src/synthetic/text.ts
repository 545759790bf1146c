// Post text with facets. The text grows token by token while grapheme and UTF-8 byte counts are summed, so
// facet byteStart/byteEnd are exact without re-encoding, and the lexicon limits (300 graphemes, 3000 bytes) hold.

import { EMOJI, LINK_DOMAINS, ODDITIES, TAGS, type Language, type Token } from './corpus';
import { slug } from './ids';
import type { Rng } from './prng';

// Globals bound once: under jest's vm context every global lookup (Math, JSON, Date) is ~100× slower.
const { floor, log, min } = Math;

export const MAX_GRAPHEMES = 300;
export const MAX_BYTES = 3000;

export interface Facet {
  features: Array<
    | { $type: 'app.bsky.richtext.facet#mention'; did: string }
    | { $type: 'app.bsky.richtext.facet#link'; uri: string }
    | { $type: 'app.bsky.richtext.facet#tag'; tag: string }
  >;
  index: { byteEnd: number; byteStart: number };
}

export interface BuiltText {
  text: string;
  facets: Facet[];
  graphemes: number;
  bytes: number;
}

export interface MentionTarget {
  did: string;
  handle: string;
}

/**
 * Grapheme length of a post: most are short, a long tail, and a bump at the limit (people who fill it).
 * Mean ≈ 70 graphemes.
 */
export function sampleLength(rng: Rng): number {
  const u = rng.next();
  if (u < 0.03) return MAX_GRAPHEMES - rng.int(20);
  if (u < 0.08) return 1 + rng.int(8);
  return min(MAX_GRAPHEMES, 1 + floor(-log(1 - rng.next()) * 70));
}

export function buildText(
  rng: Rng,
  language: Language,
  targetGraphemes: number,
  mention: () => MentionTarget,
): BuiltText {
  const parts: string[] = [];
  const facets: Facet[] = [];
  let g = 0;
  let b = 0;
  let sinceEnd = 0;
  let facetBudget = 3;

  let prevSpaced = false;
  /** The separator before the next token: none at the start; facets and oddities get spaces in every script. */
  const leadFor = (spaced: boolean): string =>
    parts.length === 0 ? '' : language.sep !== '' ? language.sep : spaced || prevSpaced ? ' ' : '';
  // Separators are ASCII: one grapheme and one byte per character.
  const fits = (t: Token, lead: string): boolean =>
    g + lead.length + t.g <= MAX_GRAPHEMES && b + lead.length + t.b <= MAX_BYTES;
  /** Appends a token; returns its byte offset. */
  const push = (t: Token, lead: string): number => {
    if (lead !== '') {
      parts.push(lead);
      g += lead.length;
      b += lead.length;
    }
    const start = b;
    parts.push(t.s);
    g += t.g;
    b += t.b;
    return start;
  };

  while (g < targetGraphemes) {
    const u = rng.next();
    let t: Token;
    let facet: Facet['features'][number] | null = null;
    let spaced = false;
    if (u < 0.05) {
      t = rng.pick(EMOJI);
    } else if (u < 0.052) {
      t = rng.pick(ODDITIES);
      spaced = true;
    } else if (u < 0.062 && facetBudget > 0) {
      const m = mention();
      t = { s: '@' + m.handle, g: m.handle.length + 1, b: m.handle.length + 1 };
      facet = { $type: 'app.bsky.richtext.facet#mention', did: m.did };
    } else if (u < 0.072 && facetBudget > 0) {
      const tag = rng.pick(TAGS);
      t = { s: '#' + tag.s, g: tag.g + 1, b: tag.b + 1 };
      facet = { $type: 'app.bsky.richtext.facet#tag', tag: tag.s };
    } else if (u < 0.078 && facetBudget > 0) {
      const domain = rng.pick(LINK_DOMAINS);
      const path = slug(rng, 4 + rng.int(10));
      const uri = `https://${domain}/${path}`;
      // The app shows long links shortened; the facet keeps the full URI.
      const shown = rng.chance(0.5) ? uri : `${domain}/${path.slice(0, 3)}...`;
      t = { s: shown, g: shown.length, b: shown.length };
      facet = { $type: 'app.bsky.richtext.facet#link', uri };
    } else if (sinceEnd > 4 && u < 0.2) {
      const end = rng.pick(language.enders);
      if (!fits(end, '')) break;
      push(end, '');
      sinceEnd = 0;
      continue;
    } else {
      t = rng.pick(language.words);
    }
    const lead = leadFor(spaced || facet !== null);
    if (!fits(t, lead)) break;
    const start = push(t, lead);
    prevSpaced = spaced || facet !== null;
    sinceEnd++;
    if (facet) {
      facetBudget--;
      facets.push({ features: [facet], index: { byteEnd: start + t.b, byteStart: start } });
    }
  }
  return { text: parts.join(''), facets, graphemes: g, bytes: b };
}
