import { z } from 'zod';
import { database } from '@/lib/config/database';
import { storeDashboard } from '@/lib/dashboard';
import { route } from '@/lib/http/route';

export const dynamic = 'force-dynamic';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');
const query = z
  .object({ from: day.optional(), to: day.optional() })
  .refine((q) => Boolean(q.from) === Boolean(q.to), 'give both from and to, or neither');

export const GET = route({ query }, async ({ query, params }) =>
  storeDashboard((await database()).db, params.id!, query.from && query.to ? { from: query.from, to: query.to } : undefined),
);
