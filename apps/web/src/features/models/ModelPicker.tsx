import type { components } from "@hearth/sdk";
import { Check, ChevronDown } from "lucide-react";
import { DropdownMenu } from "radix-ui";
import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/button.tsx";

type Model = components["schemas"]["Model"];
type ProviderStatus = components["schemas"]["ProviderStatus"];

interface ModelPickerProps {
  models: Model[];
  /** The providers' states: one that is down has listed no models, and says why. */
  providers: ProviderStatus[];
  /** The chosen model's id, or null for the server's default. */
  value: string | null;
  onChange: (id: string) => void;
  disabled?: boolean;
}

/**
 * The models that can chat, grouped by provider, with what each can do; an unavailable one is listed,
 * disabled, with the reason.
 */
export function ModelPicker({ models, providers: statuses, value, onChange, disabled = false }: ModelPickerProps) {
  const { t } = useTranslation("models");
  const chatModels = models.filter((model) => model.capabilities.chat);
  const chosen = chatModels.find((model) => model.id === value || model.modelId === value);
  const name = chosen?.modelId ?? value ?? t("default");
  const providers = [...new Set(chatModels.map((model) => model.provider))];
  const down = statuses.filter((provider) => !provider.isAvailable && !providers.includes(provider.id));
  return (
    // Not modal: a modal menu hides the page with aria-hidden while its focusable controls stay (axe: aria-hidden-focus).
    <DropdownMenu.Root modal={false}>
      <DropdownMenu.Trigger asChild disabled={disabled}>
        <Button variant="ghost" aria-label={t("picker", { name })} className="max-w-[60vw] px-2">
          <span className="truncate">{name}</span>
          <ChevronDown aria-hidden="true" className="size-4 shrink-0" />
        </Button>
      </DropdownMenu.Trigger>
      <DropdownMenu.Portal>
        <DropdownMenu.Content
          align="start"
          sideOffset={4}
          className="z-50 max-h-[70dvh] w-80 max-w-[calc(100vw-1rem)] overflow-y-auto rounded-lg border bg-popover p-1 text-popover-foreground shadow-lg"
        >
          {chatModels.length === 0 && <p className="p-3 text-sm text-muted-foreground">{t("none")}</p>}
          <DropdownMenu.RadioGroup value={chosen?.id ?? ""} onValueChange={onChange}>
            {providers.map((provider) => (
              <DropdownMenu.Group key={provider}>
                <DropdownMenu.Label className="px-2 pt-2 pb-1 text-xs font-medium text-muted-foreground">
                  {provider === "local" ? t("local") : provider}
                </DropdownMenu.Label>
                {chatModels
                  .filter((model) => model.provider === provider)
                  .map((model) => (
                    <DropdownMenu.RadioItem
                      key={model.id}
                      value={model.id}
                      disabled={!model.isAvailable}
                      className="flex cursor-pointer items-start gap-2 rounded-md px-2 py-2 text-sm outline-none data-[disabled]:cursor-not-allowed data-[highlighted]:bg-accent pointer-coarse:min-h-11"
                    >
                      <span className="mt-0.5 size-4 shrink-0">
                        <DropdownMenu.ItemIndicator>
                          <Check aria-hidden="true" className="size-4" />
                        </DropdownMenu.ItemIndicator>
                      </span>
                      <span className="flex min-w-0 flex-col gap-0.5">
                        <span className="truncate font-medium">{model.modelId}</span>
                        <span className="text-xs text-muted-foreground">
                          {model.isAvailable
                            ? capabilities(model, t)
                            : t("unavailable", { reason: model.unavailableReason ?? "" })}
                        </span>
                      </span>
                    </DropdownMenu.RadioItem>
                  ))}
              </DropdownMenu.Group>
            ))}
          </DropdownMenu.RadioGroup>
          {down.map((provider) => (
            <DropdownMenu.Group key={provider.id}>
              <DropdownMenu.Label className="px-2 pt-2 pb-1 text-xs font-medium text-muted-foreground">
                {provider.id === "local" ? t("local") : provider.id}
              </DropdownMenu.Label>
              <DropdownMenu.Item disabled className="px-2 py-2 text-xs text-muted-foreground">
                {t("unavailable", { reason: provider.reason ?? "" })}
              </DropdownMenu.Item>
            </DropdownMenu.Group>
          ))}
        </DropdownMenu.Content>
      </DropdownMenu.Portal>
    </DropdownMenu.Root>
  );
}

function capabilities(model: Model, t: (key: string, options?: Record<string, unknown>) => string): string {
  const parts: string[] = [];
  if (model.capabilities.tools !== "none") parts.push(t("tools"));
  if (model.capabilities.vision) parts.push(t("vision"));
  if (model.capabilities.contextLength !== undefined) {
    parts.push(t("context", { tokens: model.capabilities.contextLength }));
  }
  return parts.join(" · ");
}
