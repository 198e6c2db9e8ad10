/**
 * The shoppers' browsers: realistic user-agent strings and the ad-blocking rates the simulator
 * uses. Rates are the simulator's assumptions (order of magnitude from public surveys), not facts:
 * Brave's Shields block TikTok's analytics by default; Firefox users run blockers far more often
 * than Chrome users; blockers are rare on mobile; TikTok's in-app browser has none.
 */

export type BrowserName = 'Chrome' | 'Safari' | 'Brave' | 'Firefox' | 'TikTok';
export type OsName = 'iOS' | 'macOS' | 'Android' | 'Windows';

export interface DeviceProfile {
  id: string;
  /** The browser as the shopper knows it (Brave is Brave, though its user agent says Chrome). */
  browser: BrowserName;
  browserVersion: number;
  os: OsName;
  /** The OS major version the user agent reveals (null where it is frozen: macOS 10.15, Android "10; K"). */
  osVersion: number | null;
  mobile: boolean;
  /** `navigator.brave` exists: the beacon reports `brave: true`. */
  brave: boolean;
  /** WebKit with ITP (Safari, and every browser on iOS): script-set cookies are capped at 7 days. */
  webkit: boolean;
  /** Share of shoppers on this browser whose blocker stops TikTok's pixel. */
  adBlockRate: number;
  userAgent: string;
}

const iosSafari = (major: number, minor: number): DeviceProfile => ({
  id: `ios-safari-${major}`,
  browser: 'Safari',
  browserVersion: major,
  os: 'iOS',
  osVersion: major,
  mobile: true,
  brave: false,
  webkit: true,
  adBlockRate: 0.1,
  userAgent: `Mozilla/5.0 (iPhone; CPU iPhone OS ${major}_${minor} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${major}.${minor} Mobile/15E148 Safari/604.1`,
});

const macSafari = (major: number, minor: number): DeviceProfile => ({
  id: `macos-safari-${major}`,
  browser: 'Safari',
  browserVersion: major,
  os: 'macOS',
  osVersion: null,
  mobile: false,
  brave: false,
  webkit: true,
  adBlockRate: 0.1,
  userAgent: `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${major}.${minor} Safari/605.1.15`,
});

const CHROME = 127;
const FIREFOX = 128;
const WINDOWS_CHROME_UA = `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${CHROME}.0.0.0 Safari/537.36`;
const MAC_CHROME_UA = `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${CHROME}.0.0.0 Safari/537.36`;
const ANDROID_CHROME_UA = `Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${CHROME}.0.0.0 Mobile Safari/537.36`;

export const DEVICES = {
  iosSafari16: iosSafari(16, 7),
  iosSafari17: iosSafari(17, 5),
  iosSafari18: iosSafari(18, 3),
  macSafari16: macSafari(16, 6),
  macSafari17: macSafari(17, 6),
  macSafari18: macSafari(18, 2),
  iosChrome: {
    id: 'ios-chrome',
    browser: 'Chrome',
    browserVersion: CHROME,
    os: 'iOS',
    osVersion: 17,
    mobile: true,
    brave: false,
    webkit: true,
    adBlockRate: 0.05,
    userAgent: `Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/${CHROME}.0.6533.77 Mobile/15E148 Safari/604.1`,
  },
  androidChrome: {
    id: 'android-chrome',
    browser: 'Chrome',
    browserVersion: CHROME,
    os: 'Android',
    osVersion: null,
    mobile: true,
    brave: false,
    webkit: false,
    adBlockRate: 0.05,
    userAgent: ANDROID_CHROME_UA,
  },
  windowsChrome: {
    id: 'windows-chrome',
    browser: 'Chrome',
    browserVersion: CHROME,
    os: 'Windows',
    osVersion: 10,
    mobile: false,
    brave: false,
    webkit: false,
    adBlockRate: 0.28,
    userAgent: WINDOWS_CHROME_UA,
  },
  macChrome: {
    id: 'macos-chrome',
    browser: 'Chrome',
    browserVersion: CHROME,
    os: 'macOS',
    osVersion: null,
    mobile: false,
    brave: false,
    webkit: false,
    adBlockRate: 0.25,
    userAgent: MAC_CHROME_UA,
  },
  windowsFirefox: {
    id: 'windows-firefox',
    browser: 'Firefox',
    browserVersion: FIREFOX,
    os: 'Windows',
    osVersion: 10,
    mobile: false,
    brave: false,
    webkit: false,
    adBlockRate: 0.38,
    userAgent: `Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:${FIREFOX}.0) Gecko/20100101 Firefox/${FIREFOX}.0`,
  },
  macFirefox: {
    id: 'macos-firefox',
    browser: 'Firefox',
    browserVersion: FIREFOX,
    os: 'macOS',
    osVersion: null,
    mobile: false,
    brave: false,
    webkit: false,
    adBlockRate: 0.35,
    userAgent: `Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:${FIREFOX}.0) Gecko/20100101 Firefox/${FIREFOX}.0`,
  },
  androidFirefox: {
    id: 'android-firefox',
    browser: 'Firefox',
    browserVersion: FIREFOX,
    os: 'Android',
    osVersion: 14,
    mobile: true,
    brave: false,
    webkit: false,
    adBlockRate: 0.3,
    userAgent: `Mozilla/5.0 (Android 14; Mobile; rv:${FIREFOX}.0) Gecko/${FIREFOX}.0 Firefox/${FIREFOX}.0`,
  },
  windowsBrave: {
    id: 'windows-brave',
    browser: 'Brave',
    browserVersion: CHROME,
    os: 'Windows',
    osVersion: 10,
    mobile: false,
    brave: true,
    webkit: false,
    adBlockRate: 1,
    userAgent: WINDOWS_CHROME_UA,
  },
  macBrave: {
    id: 'macos-brave',
    browser: 'Brave',
    browserVersion: CHROME,
    os: 'macOS',
    osVersion: null,
    mobile: false,
    brave: true,
    webkit: false,
    adBlockRate: 1,
    userAgent: MAC_CHROME_UA,
  },
  androidBrave: {
    id: 'android-brave',
    browser: 'Brave',
    browserVersion: CHROME,
    os: 'Android',
    osVersion: null,
    mobile: true,
    brave: true,
    webkit: false,
    adBlockRate: 1,
    userAgent: ANDROID_CHROME_UA,
  },
  iosTikTok: {
    id: 'ios-tiktok',
    browser: 'TikTok',
    browserVersion: 35,
    os: 'iOS',
    osVersion: 17,
    mobile: true,
    brave: false,
    webkit: true,
    adBlockRate: 0,
    userAgent:
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 musical_ly_35.1.0 JsSdk/2.0 NetType/WIFI Channel/App Store ByteLocale/en Region/US WKWebView/1 BytedanceWebview/d8a21c6',
  },
  androidTikTok: {
    id: 'android-tiktok',
    browser: 'TikTok',
    browserVersion: 35,
    os: 'Android',
    osVersion: 14,
    mobile: true,
    brave: false,
    webkit: false,
    adBlockRate: 0,
    userAgent:
      'Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/127.0.6533.103 Mobile Safari/537.36 trill_350103 JsSdk/1.0 NetType/WIFI AppName/trill app_version/35.1.3 BytedanceWebview/d8a21c6',
  },
} as const satisfies Record<string, DeviceProfile>;

export type DeviceKey = keyof typeof DEVICES;
export type DeviceMix = Partial<Record<DeviceKey, number>>;

/** Shoppers who arrive from anywhere but TikTok's app (search, email, direct). */
export const GENERAL_MIX: DeviceMix = {
  iosSafari16: 3,
  iosSafari17: 9,
  iosSafari18: 18,
  androidChrome: 21,
  iosChrome: 4,
  windowsChrome: 14,
  macChrome: 6,
  macSafari16: 1,
  macSafari17: 2,
  macSafari18: 4,
  windowsFirefox: 3.5,
  macFirefox: 1,
  androidFirefox: 1,
  windowsBrave: 1.5,
  macBrave: 1,
  androidBrave: 1,
};

/** A TikTok ad opens in TikTok's in-app browser; some shoppers copy it to their own browser. */
export const TIKTOK_AD_MIX: DeviceMix = {
  iosTikTok: 40,
  androidTikTok: 33,
  iosSafari17: 6,
  iosSafari18: 9,
  iosSafari16: 2,
  androidChrome: 8,
  androidBrave: 1,
  iosChrome: 1,
};

/** A link shared from TikTok through Messages / WhatsApp opens in the phone's default browser. */
export const SHARED_LINK_MIX: DeviceMix = {
  iosSafari16: 6,
  iosSafari17: 18,
  iosSafari18: 32,
  macSafari17: 3,
  macSafari18: 3,
  androidChrome: 22,
  iosChrome: 6,
  windowsChrome: 5,
  androidFirefox: 1,
  androidBrave: 1,
  windowsBrave: 1,
  windowsFirefox: 2,
};

/** Profile-bio links and organic TikTok referrals: mostly the in-app browser. */
export const TIKTOK_ORGANIC_MIX: DeviceMix = {
  iosTikTok: 30,
  androidTikTok: 25,
  iosSafari17: 8,
  iosSafari18: 14,
  iosSafari16: 3,
  androidChrome: 12,
  iosChrome: 3,
  windowsChrome: 3,
  androidBrave: 1,
  windowsFirefox: 1,
};

export function mixEntries(mix: DeviceMix): [DeviceKey, number][] {
  return (Object.entries(mix) as [DeviceKey, number][]).filter(([, w]) => w > 0);
}
