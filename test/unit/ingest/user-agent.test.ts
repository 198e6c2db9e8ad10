import { beforeEach, describe, expect, it } from 'vitest';
import { parseUserAgent, parseUserAgentUncached, userAgentCache } from '@/lib/ingest/user-agent';

const UA = {
  iosSafari17:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1',
  iosSafari26:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.0 Mobile/15E148 Safari/604.1',
  macSafari:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15',
  winChrome: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  winEdge:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51',
  linuxFirefox: 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  samsung:
    'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36',
  androidChromeReduced:
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
  tiktokIos:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 musical_ly_32.5.0 JsSdk/2.0 NetType/WIFI Channel/App Store ByteLocale/en Region/US WKWebView/1 BytedanceWebview/d8a21c6',
  tiktokAndroid:
    'Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A.230805.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.5845.163 Mobile Safari/537.36 trill_310503 JsSdk/1.0 NetType/WIFI AppName/trill app_version/31.5.3 BytedanceWebview/d8a21c6',
  iosChrome:
    'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1',
  headless: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36',
  googlebot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
};

describe('parseUserAgent', () => {
  beforeEach(() => userAgentCache.clear());

  it('iOS 17 Safari → Safari 17 on iOS 17, mobile', () => {
    expect(parseUserAgent(UA.iosSafari17)).toEqual({
      browser: 'Safari',
      browserMajor: 17,
      os: 'iOS',
      osMajor: 17,
      deviceType: 'mobile',
      bot: false,
    });
  });

  it('iOS 26 Safari, whose UA freezes the OS at 18_6, reports iOS 26', () => {
    expect(parseUserAgent(UA.iosSafari26)).toMatchObject({ browser: 'Safari', browserMajor: 26, os: 'iOS', osMajor: 26 });
  });

  it('macOS: Safari 17, OS major unknown (the UA freezes it at 10.15)', () => {
    expect(parseUserAgent(UA.macSafari)).toMatchObject({ browser: 'Safari', browserMajor: 17, os: 'macOS', osMajor: null, deviceType: 'desktop' });
  });

  it('normalizes desktop browsers', () => {
    expect(parseUserAgent(UA.winChrome)).toMatchObject({ browser: 'Chrome', browserMajor: 124, os: 'Windows', osMajor: 10, deviceType: 'desktop' });
    expect(parseUserAgent(UA.winEdge)).toMatchObject({ browser: 'Edge', browserMajor: 124, os: 'Windows' });
    expect(parseUserAgent(UA.linuxFirefox)).toMatchObject({ browser: 'Firefox', browserMajor: 125, os: 'Linux', osMajor: null });
  });

  it('Samsung Internet and Chrome on iOS', () => {
    expect(parseUserAgent(UA.samsung)).toMatchObject({ browser: 'Samsung Internet', browserMajor: 24, os: 'Android', osMajor: 14, deviceType: 'mobile' });
    expect(parseUserAgent(UA.iosChrome)).toMatchObject({ browser: 'Chrome', os: 'iOS', osMajor: 16, deviceType: 'tablet' });
  });

  it("Chrome's reduced Android UA (Android 10; K) has no OS major", () => {
    expect(parseUserAgent(UA.androidChromeReduced)).toMatchObject({ browser: 'Chrome', os: 'Android', osMajor: null });
  });

  it("TikTok's in-app browser on iOS and Android", () => {
    expect(parseUserAgent(UA.tiktokIos)).toMatchObject({ browser: 'TikTok', os: 'iOS', osMajor: 17, deviceType: 'mobile' });
    expect(parseUserAgent(UA.tiktokAndroid)).toMatchObject({ browser: 'TikTok', os: 'Android', osMajor: 13 });
  });

  it('the Brave flag turns Chrome into Brave, and nothing else', () => {
    expect(parseUserAgent(UA.winChrome, { brave: true })).toMatchObject({ browser: 'Brave', browserMajor: 124 });
    expect(parseUserAgent(UA.winChrome)).toMatchObject({ browser: 'Chrome' });
    expect(parseUserAgent(UA.linuxFirefox, { brave: true })).toMatchObject({ browser: 'Firefox' });
  });

  it('flags bots and headless browsers', () => {
    expect(parseUserAgent(UA.headless).bot).toBe(true);
    expect(parseUserAgent(UA.googlebot).bot).toBe(true);
    expect(parseUserAgent(UA.winChrome).bot).toBe(false);
  });

  it('an empty or unknown user agent is Other', () => {
    expect(parseUserAgent('')).toEqual({ browser: 'Other', browserMajor: null, os: 'Other', osMajor: null, deviceType: 'other', bot: false });
    expect(parseUserAgent(undefined).browser).toBe('Other');
    expect(parseUserAgent('SomethingElse/1.0')).toMatchObject({ browser: 'Other', os: 'Other', deviceType: 'other' });
  });

  it('caches results in a bounded LRU map', () => {
    userAgentCache.setLimit(2);
    try {
      const a = parseUserAgent(UA.winChrome);
      expect(parseUserAgent(UA.winChrome)).toBe(a); // cached object
      parseUserAgent(UA.linuxFirefox);
      parseUserAgent(UA.winChrome); // refresh: Firefox is now the least recently used
      parseUserAgent(UA.samsung); // evicts Firefox
      expect(userAgentCache.size).toBe(2);
      expect(parseUserAgent(UA.winChrome)).toBe(a);
    } finally {
      userAgentCache.setLimit(5_000);
    }
  });

  it('cached and uncached parses agree', () => {
    for (const ua of Object.values(UA)) expect(parseUserAgent(ua)).toEqual(parseUserAgentUncached(ua));
  });
});
