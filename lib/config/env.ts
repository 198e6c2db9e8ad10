import { z } from 'zod';

/** The one place environment variables are read and validated. */
const envSchema = z.object({
  DATABASE_URL: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v : undefined))
    .refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), {
      message: 'must be a postgres:// or postgresql:// URL (leave unset for the embedded database)',
    }),
  SIGNALWATCH_DATA_DIR: z.string().trim().min(1).default('.data'),
  SIGNALWATCH_SECRET: z
    .string()
    .optional()
    .transform((v) => (v ? v : undefined))
    .refine((v) => v === undefined || v.length >= 32, {
      message: 'must be at least 32 characters (or unset to generate one into the data dir)',
    }),
  TIKTOK_API_BASE_URL: z.url().default('https://business-api.tiktok.com'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  SIGNALWATCH_SCHEDULER: z.enum(['on', 'off']).default('on'),
  SMTP_URL: z.string().optional(),
  ALERT_EMAIL_FROM: z.string().default('signalwatch@localhost'),
});

export type Env = z.infer<typeof envSchema>;

export class EnvError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid environment:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'EnvError';
  }
}

export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    throw new EnvError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  return parsed.data;
}

let cached: Env | undefined;

/** Validated environment, read once per process. */
export function env(): Env {
  cached ??= parseEnv();
  return cached;
}

/** Tests and the CLI change the environment after start; they reset the cache. */
export function resetEnvCache(): void {
  cached = undefined;
}
