import { builder } from '../builder';

builder.queryType({ description: 'Search and read Bluesky posts' });
