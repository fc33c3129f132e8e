// The browsers every test runs in: Debian's Chromium and Firefox ESR, headless, with fake
// camera/microphone and autoplay allowed. Shared by web-test-runner, the end-to-end tests
// and the benchmarks, so all of them exercise the same real WebRTC stacks.
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

/**
 * Test files `npm test` runs on their own, one browser at a time, after the rest: five
 * people's cameras in one page, then five publishers to Janus, are all two cores carry.
 */
export const RUN_ALONE = ['src/core/sfu/auto.test.ts'];

export const chromiumArgs = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Three fake cameras and microphones, so a device switch really changes device. (Frames
  // from the second camera, fake_device_1, never reached a peer here; the tests that
  // switch pick the last one.)
  '--use-fake-device-for-media-stream=device-count=3',
  '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
  // Hand out real host candidates instead of mDNS names nobody resolves in a sandbox. And no
  // address-bar popups: each window preloads two (WebUI pages of their own), and for the
  // seven windows of the Janus test that cost about 19 s of CPU in their first half-minute,
  // while the pages connect, and 1.3 GB of memory.
  '--disable-features=WebRtcHideLocalIpsWithMdns,WebUIOmniboxPopup,WebUIOmniboxAimPopup,WebUIOmniboxFullPopup',
  '--auto-accept-this-tab-capture',
  '--auto-select-desktop-capture-source=Entire screen',
];

export const firefoxPrefs = {
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  'media.autoplay.default': 0,
  'media.autoplay.blocking_policy': 0,
  // A stand-in sound device: with none at all (as on a CI machine) Firefox never starts
  // an AudioContext, and the recorder's audio mix would stay silent.
  'media.cubeb.force_mock_context': true,
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  'media.peerconnection.ice.loopback': true,
  'media.getusermedia.screensharing.enabled': true,
  'media.getdisplaymedia.enabled': true,
  'network.captive-portal-service.enabled': false,
  'app.update.enabled': false,
  'browser.shell.checkDefaultBrowser': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'toolkit.telemetry.reportingpolicy.firstRun': false,
};

export const chromiumLaunch = { executablePath: CHROMIUM_PATH, headless: true, args: chromiumArgs };
export const firefoxLaunch = {
  browser: 'firefox',
  executablePath: FIREFOX_PATH,
  headless: true,
  extraPrefsFirefox: firefoxPrefs,
};
