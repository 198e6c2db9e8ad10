import { database } from '@/lib/config/database';
import { storesOverview } from '@/lib/dashboard';
import { route } from '@/lib/http/route';

export const dynamic = 'force-dynamic';

export const GET = route({}, async () => storesOverview((await database()).db));
