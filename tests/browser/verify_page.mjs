// Drives the system Chromium through the verification page of `xsign serve --ui` as a person
// would: open the form, choose the files, pick the language, submit, read the verdict shown.
// Prints one JSON line (verdict, its class, the downloads offered, the page title) and writes a
// screenshot. Usage: node verify_page.mjs BASE_URL SCREENSHOT.png SIGNATURE [DOCUMENT|-] [LANG]
import puppeteer from 'puppeteer-core';

const [base, screenshot, signature, document, lang] = process.argv.slice(2);
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1100, height: 1400 });
  const form = await page.goto(`${base}/ui`, { waitUntil: 'load' });
  if (!form.ok()) throw new Error(`GET /ui answered ${form.status()}`);
  await (await page.$('#signature')).uploadFile(signature);
  if (document && document !== '-') await (await page.$('#document')).uploadFile(document);
  if (lang) await page.select('#lang', lang);
  const [answer] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#submit')]);
  const shown = await page.$('#verdict h1');
  const result = {
    status: answer.status(),
    title: await page.title(),
    verdict: shown ? await page.$eval('#verdict h1', (e) => e.textContent) : null,
    verdictClass: shown ? await page.$eval('#verdict', (e) => e.className) : null,
    downloads: await page.$$eval('a.download', (links) => links.map((a) => a.getAttribute('download'))),
    text: (await page.$eval('body', (e) => e.innerText)).slice(0, 400),
  };
  await page.screenshot({ path: screenshot });
  console.log(JSON.stringify(result));
} finally {
  await browser.close();
}
