// @ts-check
// Agents' messages as Markdown. markdown-it parses (raw HTML off), and this module builds the DOM from its tokens
// itself: text only ever becomes text nodes, elements come from a fixed list, and links go to http(s) or mailto only.
// No HTML string is ever parsed, so nothing an agent writes can become an element or an attribute of its choosing.
// createWebPage serves markdown-it's browser build from the installed package at vendor/markdown-it.mjs.
import MarkdownIt from './vendor/markdown-it.mjs';

/** @typedef {import('./vendor/markdown-it.mjs').Token} Token */

const md = new MarkdownIt({ html: false, linkify: true, breaks: true });

const LINK_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

/** @param {string} href An absolute URL (a relative one is not a link to follow from here). */
function isSafeLink(href) {
  try {
    return LINK_PROTOCOLS.has(new URL(href).protocol);
  } catch {
    return false;
  }
}

// markdown-it leaves `[text](url)` with any other URL (javascript:, data:, relative) as the text it was.
md.validateLink = isSafeLink;

/** Elements a token may open, by markdown-it's tag name. Anything else becomes a plain `div`. */
const CONTAINERS = new Set([
  'p',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'ul',
  'ol',
  'li',
  'blockquote',
  'em',
  'strong',
  's',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
]);

const ALIGN = /^text-align:(left|right|center)$/;

/**
 * A link that opens in a new tab without handing this page to it, or a plain span when the URL is not one to follow.
 * @param {string} href
 * @param {string | null} [title]
 */
function link(href, title) {
  if (!isSafeLink(href)) return document.createElement('span');
  const node = document.createElement('a');
  node.href = href;
  node.target = '_blank';
  node.rel = 'noopener noreferrer';
  if (title) node.title = title;
  return node;
}

/**
 * @param {Token} token
 * @param {string} name
 */
function attr(token, name) {
  const value = token.attrGet(name);
  return value === null ? null : String(value);
}

/** @param {Token} token */
function container(token) {
  if (token.type === 'link_open') return link(attr(token, 'href') ?? '', attr(token, 'title'));
  const node = document.createElement(CONTAINERS.has(token.tag) ? token.tag : 'div');
  const start = attr(token, 'start');
  if (token.tag === 'ol' && start !== null && /^\d{1,9}$/.test(start)) node.setAttribute('start', start);
  // Table columns' alignment: set through the CSSOM, which the CSP allows (a style attribute it would block).
  const align = ALIGN.exec(attr(token, 'style') ?? '')?.[1];
  if (align) node.style.textAlign = align;
  return node;
}

/**
 * @param {Token} token
 * @returns {Node}
 */
function leaf(token) {
  switch (token.type) {
    case 'inline': {
      const fragment = document.createDocumentFragment();
      build(token.children ?? [], fragment);
      return fragment;
    }
    case 'softbreak':
    case 'hardbreak':
      return document.createElement('br');
    case 'hr':
      return document.createElement('hr');
    case 'code_inline': {
      const code = document.createElement('code');
      code.textContent = token.content;
      return code;
    }
    case 'fence':
    case 'code_block': {
      const pre = document.createElement('pre');
      const code = pre.appendChild(document.createElement('code'));
      code.textContent = token.content.replace(/\n$/, '');
      const language = token.info.trim().split(/\s+/)[0];
      if (language) pre.dataset.language = language;
      return pre;
    }
    case 'image': {
      // An image would load from wherever the text says (a tracking pixel, say): show a link to it instead.
      const node = link(attr(token, 'src') ?? '');
      node.textContent = token.content || attr(token, 'src') || '';
      return node;
    }
    default:
      // text, and html_block / html_inline should raw HTML ever be parsed: text all the same.
      return document.createTextNode(token.content);
  }
}

/**
 * @param {Token[]} tokens
 * @param {Node} root
 */
function build(tokens, root) {
  /** @type {Node[]} */
  const open = [root];
  for (const token of tokens) {
    const parent = open[open.length - 1] ?? root;
    if (token.nesting === -1) {
      open.pop();
    } else if (token.nesting === 1) {
      // Hidden tokens are the paragraphs of a tight list: their text goes straight into the list item.
      const node = token.hidden ? parent : parent.appendChild(container(token));
      open.push(node);
    } else {
      parent.appendChild(leaf(token));
    }
  }
}

/**
 * Replaces what `body` shows with `text` rendered as Markdown.
 * @param {HTMLElement} body
 * @param {string} text
 */
export function showMarkdown(body, text) {
  const fragment = document.createDocumentFragment();
  build(md.parse(text, {}), fragment);
  body.classList.add('markdown');
  body.replaceChildren(fragment);
}
