/**
 * Bot detection for the browser leg: crawlers, link previewers, audit tools and headless
 * browsers that run the confirmation page's scripts. Their beacons are answered 204 and never
 * recorded. Plain HTTP clients (curl, fetch from Node) are not bots here: they do not run the
 * page, so they only send a beacon on purpose (tests, benchmarks).
 */
const BOT_RE = new RegExp(
  [
    '(?<!cu)bot\\b', // Googlebot, bingbot, AdsBot…; not the "CUBOT" phone brand
    'bot[/_-]',
    'crawl',
    'spider',
    'slurp',
    'headless', // HeadlessChrome, Chrome Headless
    'lighthouse',
    'pagespeed',
    'gtmetrix',
    'pingdom',
    'uptime',
    'ptst/', // WebPageTest
    'phantomjs',
    'puppeteer',
    'playwright',
    'selenium',
    'webdriver',
    'cypress',
    'prerender',
    'facebookexternalhit',
    'bytespider',
    'mediapartners-google',
    'google-inspectiontool',
    'apis-google',
    'feedfetcher',
    'preview', // link previewers (SkypeUriPreview, BingPreview, …)
    'archive\\.org',
  ].join('|'),
  'i',
);

export function isBot(userAgent: string | undefined | null): boolean {
  return !!userAgent && BOT_RE.test(userAgent);
}
