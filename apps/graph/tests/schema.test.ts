import { readFileSync } from 'node:fs';
import { printSortedSchema } from '../src/graphql-schema';
import { SCHEMA_FILE } from '../src/print-schema';

describe('schema.graphql', () => {
  it('is up to date (regenerate with `npx tsx apps/graph/src/print-schema.ts`)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(printSortedSchema());
  });

  it('keeps the public contract of DESIGN.md', () => {
    const sdl = printSortedSchema();
    for (const line of [
      'post(uri: String!): Post',
      '): PostConnection!',
      '): ExportResult!',
      'edges: [PostEdge!]!',
      'pageInfo: PageInfo!',
      'totalCount: Int!',
      'cursor: String!',
      'node: Post!',
      'url: String!',
      'expiresAt: DateTime!',
      'rowCount: Int!',
      'scalar DateTime',
      'replyParent: Post',
      'quoted: Post',
      'author: Author!',
    ]) {
      expect(sdl).toContain(line);
    }
    const field = (type: string, name: string) => new RegExp(`type ${type} \\{[^}]*\\n\\s+${name}[:(]`, 's');
    for (const name of [
      'uri',
      'cid',
      'authorDid',
      'text',
      'createdAt',
      'indexedAt',
      'langs',
      'replyParentUri',
      'replyRootUri',
      'quotedUri',
      'embedKind',
      'mentions',
      'tags',
      'links',
    ]) {
      expect(sdl).toMatch(field('Post', name));
    }
    expect(sdl).toMatch(/type Author \{[^}]*\n\s+did: String!\n[^}]*\n\s+handle: String\n/s);
    expect(sdl).toMatch(/input DateRangeInput \{[^}]*from: DateTime[^}]*to: DateTime/s);
    const args = (field: string, returns: string) => {
      const start = sdl.indexOf(`  ${field}(`);
      return sdl.slice(start, sdl.indexOf(`): ${returns}`, start));
    };
    const search = args('searchPosts', 'PostConnection!');
    for (const a of ['after: String', 'author: String', 'dateRange: DateRangeInput', 'first: Int', 'text: String'])
      expect(search).toContain(a);
    const exportArgs = args('exportPosts', 'ExportResult!');
    for (const a of ['author: String', 'dateRange: DateRangeInput', 'limit: Int', 'text: String'])
      expect(exportArgs).toContain(a);
    // The filters of issue 11, the same on every field that takes them.
    const filters = [
      'lang: [String!]',
      'tag: [String!]',
      'mentions: String',
      'domain: String',
      'url: String',
      'dateRange: DateRangeInput',
      'author: String',
      'text: String',
    ];
    for (const a of [...filters, 'sort: PostSort = LATEST']) {
      expect(search).toContain(a);
      expect(exportArgs).toContain(a);
    }
    for (const a of [...filters, 'interval: VolumeInterval!'])
      expect(args('postVolume', '[VolumeBucket!]!')).toContain(a);
    for (const top of ['topTags', 'topDomains', 'topLangs', 'topAuthors']) {
      for (const a of [...filters, 'first: Int = 10']) expect(args(top, '[Facet!]!')).toContain(a);
    }
    expect(sdl).toMatch(/enum PostSort \{[^}]*LATEST[^}]*OLDEST/s);
    expect(sdl).toMatch(/enum VolumeInterval \{[^}]*DAY[^}]*HOUR[^}]*MINUTE/s);
    expect(sdl).toMatch(/type VolumeBucket \{[^}]*count: Int![^}]*start: DateTime!/s);
    expect(sdl).toMatch(/type Facet \{[^}]*count: Int![^}]*value: String!/s);
  });
});
