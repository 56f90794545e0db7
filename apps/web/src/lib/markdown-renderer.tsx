import { ImageIcon } from "lucide-react";
import { type ComponentProps, memo, useEffect, useMemo, useState } from "react";
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

/**
 * Streamdown's own pipeline (raw HTML parsed, then sanitized to GitHub's allow-list, then links and
 * images hardened), with one change: streamdown turns off the sanitizer's `user-content-` prefix on
 * `id` and `name`, which would let a reply's `<a id="…">` clobber globals (`window.x`) and
 * `document` properties. The prefix is added once, by the sanitizer; remark-rehype adds none.
 */
const [sanitize, sanitizeSchema] = defaultRehypePlugins.sanitize as unknown as [unknown, Record<string, unknown>];
type RehypePlugins = NonNullable<ComponentProps<typeof Streamdown>["rehypePlugins"]>;
const safePlugins = [
  [sanitize, { ...sanitizeSchema, clobberPrefix: "user-content-" }],
  defaultRehypePlugins.harden,
] as RehypePlugins;
const withHtmlPlugins = [defaultRehypePlugins.raw, ...safePlugins] as RehypePlugins;
/**
 * Raw HTML is parsed (by parse5, the pipeline's costliest step) only in text that can hold some;
 * without a `<` there is none, and the sanitizer runs all the same.
 */
const rehypePluginsFor = (text: string) => (text.includes("<") ? withHtmlPlugins : safePlugins);
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

/** A code fence (highlighted by Shiki) or a formula (KaTeX): what needs lib/markdown-extras.ts. */
const NEEDS_EXTRAS = /^ {0,3}(```|~~~)|\$\$/m;

let extras: PluginConfig | undefined;
let extrasLoading: Promise<PluginConfig> | undefined;

/**
 * Streamdown's plugins for `text`: none until a message needs highlighting or math, then those,
 * loaded once. Until they are there the code shows unhighlighted and a formula as its source.
 */
function usePlugins(text: string): PluginConfig | undefined {
  const needsExtras = NEEDS_EXTRAS.test(text);
  const [loaded, setLoaded] = useState(extras);
  useEffect(() => {
    if (!needsExtras || loaded !== undefined) return;
    extrasLoading ??= import("./markdown-extras.ts").then((module) => {
      extras = module.plugins;
      return extras;
    });
    let isCurrent = true;
    void extrasLoading.then((plugins) => isCurrent && setLoaded(plugins));
    return () => {
      isCurrent = false;
    };
  }, [needsExtras, loaded]);
  return needsExtras ? (loaded ?? extras) : undefined;
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
  const plugins = usePlugins(text);
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
      rehypePlugins={rehypePluginsFor(text)}
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
