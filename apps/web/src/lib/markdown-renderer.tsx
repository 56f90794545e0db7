import { code } from "@streamdown/code";
import { math } from "@streamdown/math";
import { fromHtml } from "hast-util-from-html";
import katex from "katex";
import "katex/dist/katex.min.css";
import { ImageIcon } from "lucide-react";
import { type ComponentProps, memo, useMemo } from "react";
import { useTranslation } from "react-i18next";
import {
  type Components,
  type ControlsConfig,
  defaultRehypePlugins,
  type ExtraProps,
  type PluginConfig,
  Streamdown,
  type StreamdownTranslations,
} from "streamdown";

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
const plugins: PluginConfig = { code, math: mathPlugin };

/**
 * Streamdown's own pipeline (raw HTML parsed, then sanitized to GitHub's allow-list, then links and
 * images hardened), with one change: streamdown turns off the sanitizer's `user-content-` prefix on
 * `id` and `name`, which would let a reply's `<a id="…">` clobber globals (`window.x`) and
 * `document` properties. The prefix is added once, by the sanitizer; remark-rehype adds none.
 */
const [sanitize, sanitizeSchema] = defaultRehypePlugins.sanitize as unknown as [unknown, Record<string, unknown>];
const rehypePlugins = [
  defaultRehypePlugins.raw,
  [sanitize, { ...sanitizeSchema, clobberPrefix: "user-content-" }],
  defaultRehypePlugins.harden,
] as NonNullable<ComponentProps<typeof Streamdown>["rehypePlugins"]>;
const remarkRehypeOptions = { clobberPrefix: "" };

/** Only these open from a reply: web pages and mail. Anything else (javascript:, data:, relative paths) stays text. */
const SAFE_PROTOCOLS = new Set(["http:", "https:", "mailto:"]);

function safeUrl(href: unknown): string | undefined {
  if (typeof href !== "string") return undefined;
  // In-page anchors (footnotes) stay in the page.
  if (/^#[\w-]+$/.test(href)) return href;
  try {
    const url = new URL(href);
    return SAFE_PROTOCOLS.has(url.protocol) ? url.href : undefined;
  } catch {
    return undefined;
  }
}

const LINK_CLASS = "font-medium text-primary underline underline-offset-2 wrap-anywhere";

/** A link from a reply: opened in a new tab that cannot reach back to this one, or shown as text. */
function SafeLink({ href, children, title }: ComponentProps<"a"> & ExtraProps) {
  const url = safeUrl(href);
  if (url === undefined) return <span>{children}</span>;
  if (url.startsWith("#")) {
    return (
      <a href={url} className={LINK_CLASS}>
        {children}
      </a>
    );
  }
  return (
    <a href={url} title={title} target="_blank" rel="noopener noreferrer nofollow" className={LINK_CLASS}>
      {children}
    </a>
  );
}

/**
 * An image from a reply is never loaded: its address could report the reader to whoever chose it (or
 * carry what the conversation holds to them). It is shown as a link the person may follow.
 */
function ImageLink({ src, alt }: ComponentProps<"img"> & ExtraProps) {
  const { t } = useTranslation("chat");
  const url = safeUrl(src);
  const label = t("markdown.image", { alt: alt || url || "" });
  const content = (
    <>
      <ImageIcon aria-hidden="true" className="inline size-4 align-text-bottom" /> {label}
    </>
  );
  if (url === undefined || url.startsWith("#")) return <span className="text-muted-foreground">{content}</span>;
  return (
    <a href={url} target="_blank" rel="noopener noreferrer nofollow" className={LINK_CLASS}>
      {content}
    </a>
  );
}

/** Streamdown draws bold as a styled span; <strong> keeps its meaning for screen readers. */
function Strong({ children }: ComponentProps<"strong"> & ExtraProps) {
  return <strong className="font-semibold">{children}</strong>;
}

/** A GFM task's box: only ever a read-only checkbox, named by its state. */
function TaskCheckbox({ type, checked }: ComponentProps<"input"> & ExtraProps) {
  const { t } = useTranslation("chat");
  if (type !== "checkbox") return null;
  return (
    <input
      type="checkbox"
      checked={checked === true}
      disabled
      readOnly
      aria-label={t(checked === true ? "markdown.taskDone" : "markdown.taskOpen")}
      className="mr-1 align-middle"
    />
  );
}

const components: Components = { a: SafeLink, img: ImageLink, strong: Strong, input: TaskCheckbox };
// The links above are the safety: no interstitial (Streamdown's turns each link into a button).
const linkSafety = { enabled: false };

const controls: ControlsConfig = {
  code: { copy: true, download: false },
  table: { copy: true, download: false, fullscreen: false },
  image: false,
  mermaid: false,
};

// Streamdown's code copy button is 22 px: at least 24 px (WCAG 2.5.8), and 44 px on touch screens.
const CONTAINER_CLASS =
  "min-w-0 [&_[data-streamdown=code-block-copy-button]]:min-h-6 [&_[data-streamdown=code-block-copy-button]]:min-w-6 pointer-coarse:[&_[data-streamdown=code-block-copy-button]]:size-11";

/**
 * Model output as Markdown: GFM (tables, task lists), highlighted code with a copy button, KaTeX
 * math. Model output is untrusted: raw HTML is reduced to GitHub's allow-list (no script, style,
 * iframe, SVG or event handler), links open only to http(s) and mail in a new tab without an opener,
 * and images are never fetched. While `isStreaming`, Streamdown re-renders only the last block.
 */
export const MarkdownRenderer = memo(function MarkdownRenderer({
  text,
  isStreaming,
}: {
  text: string;
  isStreaming: boolean;
}) {
  const { t, i18n } = useTranslation("chat");
  // biome-ignore lint/correctness/useExhaustiveDependencies: the strings change with the language.
  const translations = useMemo<Partial<StreamdownTranslations>>(
    () => ({
      copyCode: t("markdown.copyCode"),
      copied: t("markdown.copied"),
      copyTable: t("markdown.copyTable"),
      copyTableAsCsv: t("markdown.copyTableAsCsv"),
      copyTableAsMarkdown: t("markdown.copyTableAsMarkdown"),
      copyTableAsTsv: t("markdown.copyTableAsTsv"),
      tableFormatCsv: "CSV",
      tableFormatMarkdown: "Markdown",
      tableFormatTsv: "TSV",
    }),
    [t, i18n.language],
  );
  return (
    <Streamdown
      className={CONTAINER_CLASS}
      plugins={plugins}
      rehypePlugins={rehypePlugins}
      remarkRehypeOptions={remarkRehypeOptions}
      components={components}
      controls={controls}
      linkSafety={linkSafety}
      translations={translations}
      isAnimating={isStreaming}
    >
      {text}
    </Streamdown>
  );
});
