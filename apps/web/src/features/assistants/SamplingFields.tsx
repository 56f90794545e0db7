import { useTranslation } from "react-i18next";
import { TextField } from "../../components/ui/text-field.tsx";
import { SAMPLING_FIELDS, type SamplingField, type SamplingForm } from "./sampling-form.ts";

interface SamplingFieldsProps {
  value: SamplingForm;
  onChange: (value: SamplingForm) => void;
  /** The server's word on each field, by its path ("sampling.temperature"). */
  errors: Record<string, string>;
}

/** The sampling options as number fields; an empty one is the model's default. */
export function SamplingFields({ value, onChange, errors }: SamplingFieldsProps) {
  const { t } = useTranslation("assistants");
  const change = (field: SamplingField) => (event: { target: { value: string } }) =>
    onChange({ ...value, [field]: event.target.value });
  return (
    <fieldset className="flex flex-col gap-3">
      <legend className="mb-1 font-semibold">{t("sampling.title")}</legend>
      <p className="text-sm text-muted-foreground">{t("sampling.hint")}</p>
      <div className="grid grid-cols-1 gap-4 sm:grid-cols-2">
        {SAMPLING_FIELDS.map((field) => (
          <TextField
            key={field}
            label={t(`sampling.${field}`)}
            inputMode="decimal"
            autoComplete="off"
            spellCheck={false}
            placeholder={t("sampling.default")}
            value={value[field]}
            error={errors[`sampling.${field}`]}
            onChange={change(field)}
          />
        ))}
      </div>
      {errors.sampling !== undefined && <p className="text-sm text-destructive">{errors.sampling}</p>}
    </fieldset>
  );
}
