/** Child process: the fake TikTok with the bench pixel registered (BENCH_PIXEL_CODE, BENCH_EVENTS_TOKEN). */
const { startFakeTikTok } = await import('../../sandbox/tiktok/server');
const { childReady } = await import('./common');

const fake = await startFakeTikTok({
  port: 0,
  pixels: [
    {
      advertiserId: '7000000000000000999',
      pixelCode: process.env.BENCH_PIXEL_CODE!,
      pixelId: '7300000000000000999',
      eventsToken: process.env.BENCH_EVENTS_TOKEN!,
      marketingToken: 'bench-marketing-token',
    },
  ],
});
childReady(fake.port, () => fake.close());
export {};
