import { code } from "@streamdown/code";
import { math } from "@streamdown/math";
import "katex/dist/katex.min.css";
import { Streamdown } from "streamdown";

const plugins = { code, math };

/**
 * Model output as Markdown: GFM, highlighted code, KaTeX math. Model output is untrusted: Streamdown
 * renders no raw HTML as markup and hardens links and images (rehype-harden); nothing in it runs.
 */
export function Markdown({ text, isStreaming }: { text: string; isStreaming: boolean }) {
  return (
    <Streamdown plugins={plugins} isAnimating={isStreaming}>
      {text}
    </Streamdown>
  );
}
