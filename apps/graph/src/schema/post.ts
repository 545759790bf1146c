import type { PostRecord } from '@bsky-explorer/storage';
import { builder } from '../builder';
import { withClientErrors } from '../store-calls';
import { Author } from './author';

export const Post = builder.objectRef<PostRecord>('Post');

Post.implement({
  description:
    'The latest visible version of a Bluesky post (deleted posts and posts of inactive accounts never appear)',
  fields: (t) => ({
    uri: t.exposeString('uri', { description: 'at://<did>/app.bsky.feed.post/<rkey>' }),
    cid: t.exposeString('cid', { description: 'Content id of this version' }),
    authorDid: t.string({ description: 'DID of the author', resolve: (p) => p.did }),
    author: t.field({
      type: Author,
      description: 'The author: DID, and handle from identity events (one query per request batch)',
      resolve: (p) => ({ did: p.did }),
    }),
    text: t.exposeString('text', { description: 'Post text (may be empty, e.g. image-only posts)' }),
    createdAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'Client-claimed creation time (may be wrong or in the future); null when missing or unparsable',
      resolve: (p) => p.created_at,
    }),
    indexedAt: t.field({
      type: 'DateTime',
      description: 'When the firehose saw this version; the sort key and the dateRange field',
      resolve: (p) => p.indexed_at,
    }),
    langs: t.exposeStringList('langs', { description: 'Languages declared by the client' }),
    replyParentUri: t.exposeString('reply_parent_uri', { nullable: true }),
    replyRootUri: t.exposeString('reply_root_uri', { nullable: true }),
    quotedUri: t.exposeString('quoted_uri', { nullable: true, description: 'URI of the quoted (embedded) post' }),
    embedKind: t.exposeString('embed_kind', {
      nullable: true,
      description: 'images, video, external, record or recordWithMedia',
    }),
    externalUri: t.exposeString('external_uri', { nullable: true, description: 'Link of an external embed' }),
    mentions: t.exposeStringList('mentions', { description: 'DIDs mentioned through facets' }),
    tags: t.exposeStringList('tags', { description: 'Hashtags (facets and record tags)' }),
    links: t.exposeStringList('links', { description: 'Links from facets' }),
    labels: t.exposeStringList('labels', { description: 'Self-labels' }),
    replyParent: t.field({
      type: Post,
      nullable: true,
      description: 'The post replied to, when it is stored and visible',
      resolve: (p, _args, ctx) =>
        p.reply_parent_uri ? withClientErrors(() => ctx.postLoader.load(p.reply_parent_uri as string)) : null,
    }),
    quoted: t.field({
      type: Post,
      nullable: true,
      description: 'The quoted post, when it is stored and visible',
      resolve: (p, _args, ctx) =>
        p.quoted_uri ? withClientErrors(() => ctx.postLoader.load(p.quoted_uri as string)) : null,
    }),
  }),
});

builder.queryField('post', (t) =>
  t.field({
    type: Post,
    nullable: true,
    description: 'One post by its at:// URI; null when unknown, deleted or hidden',
    args: { uri: t.arg.string({ required: true }) },
    resolve: (_root, { uri }, ctx) => withClientErrors(() => ctx.postLoader.load(uri)),
  }),
);
