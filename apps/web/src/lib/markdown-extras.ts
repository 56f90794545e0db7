import { code } from "@streamdown/code";
import { math } from "@streamdown/math";
import { fromHtml } from "hast-util-from-html";
import katex from "katex";
import "katex/dist/katex.min.css";
import type { PluginConfig } from "streamdown";

/**
 * Highlighted code (Shiki) and math (KaTeX): most of the renderer's script, loaded on its own when a
 * message first holds a code fence or a formula (lib/markdown-renderer.tsx), so the text of every
 * other message is shown without waiting for them.
 */

type HastNode = ReturnType<typeof fromHtml>["children"][number] | ReturnType<typeof fromHtml>;
type HastElement = Extract<HastNode, { type: "element" }>;

const MATH_CLASSES = ["language-math", "math-inline", "math-display"];

function classesOf(node: HastNode): unknown[] {
  if (node.type !== "element") return [];
  const { className } = node.properties;
  return Array.isArray(className) ? className : [];
}

function textOf(node: HastNode): string {
  if (node.type === "text") return node.value;
  return "children" in node ? node.children.map(textOf).join("") : "";
}

/**
 * rehype-katex, but parsing KaTeX's HTML without the DOM: in a browser rehype-katex hands it to
 * DOMParser, which the CSP refuses (it holds style attributes), so formulas lost their layout and
 * each logged a violation. parse5 reads it instead, and React sets the styles as properties.
 */
function rehypeKatex() {
  const render = (parent: HastNode) => {
    if (!("children" in parent)) return;
    parent.children = parent.children.flatMap((child): HastElement["children"] => {
      const classes = classesOf(child);
      const math = classes.some((name) => MATH_CLASSES.includes(String(name)));
      // ```math fences: the <pre> goes, and the formula is shown as a block.
      const fenced =
        child.type === "element" &&
        child.tagName === "pre" &&
        child.children.some((code) => classesOf(code).includes("language-math"));
      if (!math && !fenced) {
        render(child);
        return [child as HastElement["children"][number]];
      }
      const html = katex.renderToString(textOf(child), {
        displayMode: fenced || classes.includes("math-display"),
        throwOnError: false,
        strict: "ignore",
        errorColor: "var(--color-muted-foreground)",
      });
      return fromHtml(html, { fragment: true }).children as HastElement["children"];
    });
  };
  return (tree: HastNode) => render(tree);
}

const mathPlugin: NonNullable<PluginConfig["math"]> = { ...math, rehypePlugin: rehypeKatex };
export const plugins: PluginConfig = { code, math: mathPlugin };
