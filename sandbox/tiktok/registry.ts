import { z } from 'zod';
import { SandboxRequestError } from './errors';

export const pixelRegistrationSchema = z.object({
  advertiserId: z.string().regex(/^\d+$/, 'advertiserId must be numeric'),
  pixelCode: z.string().regex(/^[A-Za-z0-9]+$/, 'pixelCode must be alphanumeric'),
  pixelId: z.string().regex(/^\d+$/, 'pixelId must be numeric'),
  pixelName: z.string().optional(),
  /** Events API token: may send events for this pixel. */
  eventsToken: z.string().min(1),
  /** Marketing API token: may read this advertiser's pixels and stats. */
  marketingToken: z.string().min(1),
});
export type PixelRegistration = z.input<typeof pixelRegistrationSchema>;

export interface RegisteredPixel {
  advertiserId: string;
  pixelCode: string;
  pixelId: string;
  pixelName: string;
}

/**
 * Advertisers, pixels and tokens. Events API tokens are per pixel and marketing tokens per
 * advertiser, and they are kept apart: TikTok does not document that one works for the other.
 */
export class PixelRegistry {
  private readonly pixelsByCode = new Map<string, RegisteredPixel>();
  private readonly pixelsById = new Map<string, RegisteredPixel>();
  private readonly pixelsByAdvertiser = new Map<string, RegisteredPixel[]>();
  private readonly pixelCodesByEventsToken = new Map<string, Set<string>>();
  private readonly advertisersByMarketingToken = new Map<string, Set<string>>();

  /** Registers a pixel, or adds tokens to an identical registration; a clash is a 409. */
  add(input: PixelRegistration): RegisteredPixel {
    const parsed = pixelRegistrationSchema.safeParse(input);
    if (!parsed.success) throw new SandboxRequestError(400, 'validation_failed', z.prettifyError(parsed.error));
    const registration = parsed.data;

    const known = this.pixelsByCode.get(registration.pixelCode) ?? this.pixelsById.get(registration.pixelId);
    if (
      known &&
      (known.pixelCode !== registration.pixelCode ||
        known.pixelId !== registration.pixelId ||
        known.advertiserId !== registration.advertiserId)
    ) {
      throw new SandboxRequestError(
        409,
        'conflict',
        `pixel ${known.pixelCode} (id ${known.pixelId}) is already registered to advertiser ${known.advertiserId}`,
      );
    }

    const pixel = known ?? {
      advertiserId: registration.advertiserId,
      pixelCode: registration.pixelCode,
      pixelId: registration.pixelId,
      pixelName: registration.pixelName ?? `Pixel ${registration.pixelCode}`,
    };
    if (!known) {
      this.pixelsByCode.set(pixel.pixelCode, pixel);
      this.pixelsById.set(pixel.pixelId, pixel);
      const siblings = this.pixelsByAdvertiser.get(pixel.advertiserId) ?? [];
      siblings.push(pixel);
      this.pixelsByAdvertiser.set(pixel.advertiserId, siblings);
    } else if (registration.pixelName !== undefined) {
      pixel.pixelName = registration.pixelName;
    }
    addToSetMap(this.pixelCodesByEventsToken, registration.eventsToken, pixel.pixelCode);
    addToSetMap(this.advertisersByMarketingToken, registration.marketingToken, pixel.advertiserId);
    return { ...pixel };
  }

  pixelByCode(pixelCode: string): RegisteredPixel | undefined {
    return this.pixelsByCode.get(pixelCode);
  }

  pixelById(pixelId: string): RegisteredPixel | undefined {
    return this.pixelsById.get(pixelId);
  }

  pixelsOf(advertiserId: string): readonly RegisteredPixel[] {
    return this.pixelsByAdvertiser.get(advertiserId) ?? [];
  }

  all(): RegisteredPixel[] {
    return [...this.pixelsByCode.values()].map((pixel) => ({ ...pixel }));
  }

  isEventsToken(token: string): boolean {
    return this.pixelCodesByEventsToken.has(token);
  }

  eventsTokenMayOperate(token: string, pixelCode: string): boolean {
    return this.pixelCodesByEventsToken.get(token)?.has(pixelCode) ?? false;
  }

  isMarketingToken(token: string): boolean {
    return this.advertisersByMarketingToken.has(token);
  }

  marketingTokenMayRead(token: string, advertiserId: string): boolean {
    return this.advertisersByMarketingToken.get(token)?.has(advertiserId) ?? false;
  }
}

function addToSetMap(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key) ?? new Set<string>();
  set.add(value);
  map.set(key, set);
}
