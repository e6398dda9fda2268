import { describe, expect, it } from 'vitest';
import { MarkdownCodeExtractor } from '../../../src/agents/index.js';

// Ports AutoGen 0.2's test/coding/test_markdown_code_extractor.py (v0.2.40), messages as written there.

const message1 = `
Example:
\`\`\`
print("hello extract code")
\`\`\`
`;

const message2 = `Example:
\`\`\`python
def scrape(url):
    import requests
    from bs4 import BeautifulSoup
    response = requests.get(url)
    soup = BeautifulSoup(response.text, "html.parser")
    title = soup.find("title").text
    text = soup.find("div", {"id": "bodyContent"}).text
    return title, text
\`\`\`
Test:
\`\`\`python
url = "https://en.wikipedia.org/wiki/Web_scraping"
title, text = scrape(url)
print(f"Title: {title}")
print(f"Text: {text}")
\`\`\`
`;

const message3 = `
Example:
   \`\`\`python
   def scrape(url):
       import requests
       from bs4 import BeautifulSoup
       response = requests.get(url)
       soup = BeautifulSoup(response.text, "html.parser")
       title = soup.find("title").text
       text = soup.find("div", {"id": "bodyContent"}).text
       return title, text
   \`\`\`
`;

const message4 = `
Example:
\`\`\` python
def scrape(url):
   import requests
   from bs4 import BeautifulSoup
   response = requests.get(url)
   soup = BeautifulSoup(response.text, "html.parser")
   title = soup.find("title").text
   text = soup.find("div", {"id": "bodyContent"}).text
   return title, text
\`\`\`
`.replaceAll('\n', '\r\n');

const message5 = `
Test bash script:
\`\`\`bash
echo 'hello world!'
\`\`\`
`;

const message6 = `
Test some C# code, expecting ""
\`\`\`
using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace ConsoleApplication1
{
    class Program
    {
        static void Main(string[] args)
        {
            Console.WriteLine("Hello World");
        }
    }
}
\`\`\`
`;

const message7 = `
Test some message that has no code block.
`;

describe('MarkdownCodeExtractor', () => {
  it('test_extract_code', async () => {
    const extractor = new MarkdownCodeExtractor();

    let codeBlocks = await extractor.extractCodeBlocks(message1);
    expect(codeBlocks.map((b) => b.language)).toEqual(['python']);

    codeBlocks = await extractor.extractCodeBlocks(message2);
    expect(codeBlocks.map((b) => b.language)).toEqual(['python', 'python']);

    codeBlocks = await extractor.extractCodeBlocks(message3);
    expect(codeBlocks.map((b) => b.language)).toEqual(['python']);

    codeBlocks = await extractor.extractCodeBlocks(message4);
    expect(codeBlocks.map((b) => b.language)).toEqual(['python']);

    codeBlocks = await extractor.extractCodeBlocks(message5);
    expect(codeBlocks.map((b) => b.language)).toEqual(['bash']);

    codeBlocks = await extractor.extractCodeBlocks(message6);
    expect(codeBlocks.map((b) => b.language)).toEqual(['']);

    codeBlocks = await extractor.extractCodeBlocks(message7);
    expect(codeBlocks).toHaveLength(0);
  });

  it('keeps the code as written between the fences (no fence line, no trailing newline)', async () => {
    const [block] = await new MarkdownCodeExtractor().extractCodeBlocks(message5);
    expect(block).toEqual({ code: "echo 'hello world!'", language: 'bash' });
    const [crlf] = await new MarkdownCodeExtractor().extractCodeBlocks(message4);
    expect(crlf!.code.startsWith('def scrape(url):\r\n')).toBe(true);
    expect(crlf!.code.endsWith('return title, text')).toBe(true);
  });

  it("infers AutoGen's languages for unlabelled blocks: sh for pip and python command lines", async () => {
    const extractor = new MarkdownCodeExtractor();
    const blocks = await extractor.extractCodeBlocks('```\npip install numpy\n```\n```\npython3 app.py\n```');
    expect(blocks.map((b) => b.language)).toEqual(['sh', 'sh']);
  });

  it('says no language, rather than failing, when the Python that checks the syntax is missing', async () => {
    const extractor = new MarkdownCodeExtractor({ pythonCommand: 'agentws-no-such-python' });
    expect(await extractor.extractCodeBlocks(message1)).toEqual([
      { code: 'print("hello extract code")', language: '' },
    ]);
  });
});
