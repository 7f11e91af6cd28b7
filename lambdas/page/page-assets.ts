// The page's static files: its script and style sheet, and oauth4webapi's browser build, read once and kept.
// In the Lambda bundle they sit in page-assets/ beside the handler (copied at bundling); from source, where they live.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

export const PAGE_ASSETS = {
  'page.js': { type: 'text/javascript; charset=utf-8', source: () => new URL('./static/page.js', import.meta.url) },
  'page.css': { type: 'text/css; charset=utf-8', source: () => new URL('./static/page.css', import.meta.url) },
  'oauth4webapi.js': { type: 'text/javascript; charset=utf-8', source: () => createRequire(import.meta.url).resolve('oauth4webapi') },
} as const;

export type PageAssetName = keyof typeof PAGE_ASSETS;

/** Where the Lambda bundle keeps them (infra/constructs/api.ts copies them there). */
const BUNDLED_ASSETS_DIR = 'page-assets';

export function isPageAsset(name: string): name is PageAssetName {
  return Object.hasOwn(PAGE_ASSETS, name);
}

const loaded = new Map<PageAssetName, Promise<string>>();

export function readPageAsset(name: PageAssetName): Promise<string> {
  let text = loaded.get(name);
  if (!text) {
    text = readFile(new URL(`./${BUNDLED_ASSETS_DIR}/${name}`, import.meta.url), 'utf8').catch(() => readFile(PAGE_ASSETS[name].source(), 'utf8'));
    loaded.set(name, text);
    text.catch(() => loaded.delete(name));
  }
  return text;
}
