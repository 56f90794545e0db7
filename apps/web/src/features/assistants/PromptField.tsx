import { useId } from "react";

interface PromptFieldProps {
  label: string;
  hint: string;
  value: string;
  error: string | undefined;
  onChange: (value: string) => void;
}

/** A system prompt's text area, its hint or the server's word on it announced with it. */
export function PromptField({ label, hint, value, error, onChange }: PromptFieldProps) {
  const id = useId();
  return (
    <div className="flex flex-col gap-1.5">
      <label htmlFor={id} className="text-sm font-medium">
        {label}
      </label>
      <textarea
        id={id}
        rows={4}
        maxLength={16_000}
        aria-invalid={error !== undefined || undefined}
        aria-describedby={`${id}-note`}
        className="rounded-md border border-input bg-background px-3 py-2 text-base text-foreground sm:text-sm"
        value={value}
        onChange={(event) => onChange(event.target.value)}
      />
      <p id={`${id}-note`} className={`text-sm ${error === undefined ? "text-muted-foreground" : "text-destructive"}`}>
        {error ?? hint}
      </p>
    </div>
  );
}
