import { lazy, memo, Suspense } from "react";

// The renderer (Streamdown, Shiki, KaTeX) is most of the app's script: it loads as its own chunk,
// starting at once, alongside the first API calls, instead of being parsed before the app can start.
const loading = import("./markdown-renderer.tsx");
const Renderer = lazy(() => loading.then((module) => ({ default: module.MarkdownRenderer })));

/**
 * Model output as Markdown (lib/markdown-renderer.tsx says how it is made safe); until the renderer
 * has loaded, the text as it is.
 */
export const Markdown = memo(function Markdown({ text, isStreaming }: { text: string; isStreaming: boolean }) {
  return (
    <Suspense fallback={<div className="whitespace-pre-wrap">{text}</div>}>
      <Renderer text={text} isStreaming={isStreaming} />
    </Suspense>
  );
});
