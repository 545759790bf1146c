import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '@bsky-explorer/testing';
import { chromium, type BrowserContext } from 'playwright-core';
import { asPosts, post, startTestGraph, type TestGraph } from './_util';

// GraphiQL as an analyst opens it: a headless Chromium with every request outside the server refused. It must
// render from the server alone (no CDN), show the default query, and run it. Needs /usr/bin/chromium
// (Debian: apt-get install chromium); the screenshot lands in SCREENSHOT_DIR when set.

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const rows = [
  post({ rkey: 'g1', text: 'first coffee of the day' }),
  post({ rkey: 'g2', text: 'tea, not coffee' }),
  post({ rkey: 'g3', text: 'no hot drinks here' }),
];

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  // Said once, clearly, instead of failing on machines without a browser.
  console.warn(`graphiql-browser.test: ${CHROMIUM} not found (apt-get install chromium); the browser test is skipped`);
}
const describeWithChromium = hasChromium ? describe : describe.skip;

describeWithChromium('GraphiQL in a browser with no network beyond the server', () => {
  let t: TestGraph;
  let context: BrowserContext;
  let profile: { path: string; remove: () => Promise<void> };
  beforeAll(async () => {
    t = await startTestGraph(asPosts(rows), {}, { listen: true });
    profile = await makeTempDir('bsky-chromium-');
    context = await chromium.launchPersistentContext(profile.path, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: 1400, height: 900 },
    });
  }, 60_000);
  afterAll(async () => {
    await context?.close();
    await profile?.remove();
    await t?.close();
  });

  it('renders from the server alone, shows the default query and runs it', async () => {
    const origin = new URL(t.graph.url).origin;
    const outside: string[] = [];
    // Every request leaving for anywhere but the server fails, as it would offline; each is recorded.
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      if (url.startsWith(origin)) return route.continue();
      outside.push(url);
      return route.abort('internetdisconnected');
    });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));

    await page.goto(`${t.graph.url}/graphql`, { waitUntil: 'load' });
    expect(await page.title()).toBe('Bluesky Post Explorer');
    // The editor holds the default query.
    await page.waitForSelector('.graphiql-query-editor', { timeout: 30_000 });
    await page.waitForFunction(() => document.body.innerText.includes('searchPosts'), undefined, { timeout: 30_000 });

    await page.click('.graphiql-execute-button');
    // The response pane is an editor: its text, with non-breaking spaces as spaces.
    const responseText = () =>
      (document.querySelector('.graphiql-response')?.textContent ?? '').replace(/\u00a0/g, ' ');
    await page.waitForFunction(
      () =>
        (document.querySelector('.graphiql-response')?.textContent ?? '')
          .replace(/\u00a0/g, ' ')
          .includes('first coffee of the day'),
      undefined,
      { timeout: 30_000 },
    );
    const text = await page.evaluate(responseText);
    expect(text).toContain('tea, not coffee');
    expect(text).not.toContain('no hot drinks here');
    expect(text).toContain('"totalCount": 2');
    expect(text).not.toMatch(/errors/);

    const dir = process.env.SCREENSHOT_DIR;
    if (dir) await page.screenshot({ path: join(dir, 'graphiql.png') });
    expect(outside).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 90_000);
});
