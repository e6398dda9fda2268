import type { CodeBlock, CodeExtractor } from './code-executor.js';
import { findCodeBlocks, inferLang, UNKNOWN } from './code-utils.js';

/** Options of {@link MarkdownCodeExtractor}. */
export interface MarkdownCodeExtractorOptions {
  /** The Python that checks whether an unlabelled block is Python. Default: `'python3'`. */
  pythonCommand?: string;
}

/**
 * AutoGen 0.2's `MarkdownCodeExtractor`: the fenced blocks of a message. A block whose fence names no language gets
 * one inferred (`python` when it parses as Python, `sh` for a `pip`/`python` command line), else `''`.
 * @example const blocks = await new MarkdownCodeExtractor().extractCodeBlocks('```sh\necho hi\n```');
 */
export class MarkdownCodeExtractor implements CodeExtractor {
  readonly #pythonCommand: string;

  constructor(options: MarkdownCodeExtractorOptions = {}) {
    this.#pythonCommand = options.pythonCommand ?? 'python3';
  }

  async extractCodeBlocks(message: string | null | undefined): Promise<CodeBlock[]> {
    const blocks: CodeBlock[] = [];
    for (const [fenced, code] of findCodeBlocks(message ?? '')) {
      let language = fenced === '' ? await inferLang(code, this.#pythonCommand) : fenced;
      if (language === UNKNOWN) language = '';
      blocks.push({ code, language });
    }
    return blocks;
  }
}
