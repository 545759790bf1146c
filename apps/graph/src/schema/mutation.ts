import { builder } from '../builder';

builder.mutationType({ description: 'Create CSV exports' });
