// The types of vendor/markdown-it.mjs, which is not a file here: createWebPage serves it from the installed
// markdown-it package (its browser build, `markdown-it/browser`). For `tsc -p web/tsconfig.json` only.
export { default } from 'markdown-it';
export type { Token } from 'markdown-it';
