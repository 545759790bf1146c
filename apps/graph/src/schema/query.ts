import { builder } from '../builder';

builder.queryType({ description: 'Search and read Bluesky posts, and count them over time and by facet' });
