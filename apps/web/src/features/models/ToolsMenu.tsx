import type { components } from "@hearth/sdk";
import { Wrench } from "lucide-react";
import { DropdownMenu } from "radix-ui";
import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/button.tsx";

type Tool = components["schemas"]["Tool"];

interface ToolsMenuProps {
  tools: Tool[];
  enabled: string[];
  onChange: (enabled: string[]) => void;
  disabled?: boolean;
}

/** Which tools replies in this conversation may call: one checkbox each. */
export function ToolsMenu({ tools, enabled, onChange, disabled = false }: ToolsMenuProps) {
  const { t } = useTranslation("models");
  if (tools.length === 0) return null;
  const label = t("toolsMenu", { count: enabled.length });
  return (
    // Not modal: a modal menu hides the page with aria-hidden while its focusable controls stay (axe: aria-hidden-focus).
    <DropdownMenu.Root modal={false}>
      <DropdownMenu.Trigger asChild disabled={disabled}>
        <Button variant="ghost" aria-label={label} className="px-2">
          <Wrench aria-hidden="true" className="size-4" />
          <span className="hidden sm:inline">{label}</span>
        </Button>
      </DropdownMenu.Trigger>
      <DropdownMenu.Portal>
        <DropdownMenu.Content
          align="start"
          sideOffset={4}
          className="z-50 w-80 max-w-[calc(100vw-1rem)] rounded-lg border bg-popover p-1 text-popover-foreground shadow-lg"
        >
          {tools.map((tool) => (
            <DropdownMenu.CheckboxItem
              key={tool.name}
              checked={enabled.includes(tool.name)}
              onSelect={(event) => event.preventDefault()}
              onCheckedChange={(checked) =>
                onChange(checked ? [...enabled, tool.name] : enabled.filter((name) => name !== tool.name))
              }
              className="flex cursor-pointer items-start gap-2 rounded-md px-2 py-2 text-sm outline-none data-[highlighted]:bg-accent pointer-coarse:min-h-11"
            >
              <span className="mt-0.5 flex size-4 shrink-0 items-center justify-center rounded-sm border border-input">
                <DropdownMenu.ItemIndicator>✓</DropdownMenu.ItemIndicator>
              </span>
              <span className="flex min-w-0 flex-col gap-0.5">
                <span className="font-medium">{tool.name}</span>
                <span className="text-xs text-muted-foreground">{tool.description}</span>
              </span>
            </DropdownMenu.CheckboxItem>
          ))}
        </DropdownMenu.Content>
      </DropdownMenu.Portal>
    </DropdownMenu.Root>
  );
}
