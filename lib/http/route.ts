/**
 * The one wrapper for Next route handlers: parses query and JSON body with zod, maps every
 * error to the one error shape. Route files stay a few lines long.
 */
import type { z } from 'zod';
import { AppError, errorResponse } from './errors';

interface Spec<Q extends z.ZodType, B extends z.ZodType> {
  query?: Q;
  body?: B;
}

type Ctx<Q extends z.ZodType, B extends z.ZodType> = {
  req: Request;
  query: z.infer<Q>;
  body: z.infer<B>;
  params: Record<string, string>;
};

function validate<T extends z.ZodType>(schema: T, input: unknown, where: string): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const message = parsed.error.issues.map((i) => `${[where, ...i.path].join('.')}: ${i.message}`).join('; ');
  throw new AppError('validation_failed', message, 400, parsed.error.issues);
}

export function route<Q extends z.ZodType = z.ZodAny, B extends z.ZodType = z.ZodAny>(
  spec: Spec<Q, B>,
  fn: (ctx: Ctx<Q, B>) => Promise<Response | unknown>,
) {
  return async (req: Request, context?: { params?: Promise<Record<string, string>> }): Promise<Response> => {
    try {
      const params = (await context?.params) ?? {};
      const query = spec.query ? validate(spec.query, Object.fromEntries(new URL(req.url).searchParams), 'query') : undefined;
      let body: unknown;
      if (spec.body) {
        let raw: unknown;
        try {
          raw = await req.json();
        } catch {
          throw new AppError('invalid_json', 'body is not valid JSON');
        }
        body = validate(spec.body, raw, 'body');
      }
      const result = await fn({ req, query, body, params } as Ctx<Q, B>);
      return result instanceof Response ? result : Response.json(result);
    } catch (err) {
      return errorResponse(err);
    }
  };
}
