import { database } from '@/lib/config/database';
import { route } from '@/lib/http/route';

export const dynamic = 'force-dynamic';

export const GET = route({}, async () => ({ status: 'ok', database: (await database()).kind }));
