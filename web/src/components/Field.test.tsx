import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { ApiError } from "../lib/api";
import { descriptionOf } from "../test/dom";
import { Field, SelectField } from "./Field";

const HOSTILE = "<img src=x onerror=alert(1)>";

describe("Field", () => {
  afterEach(cleanup);

  it("ties the hint to the input, and nothing is invalid without a problem", () => {
    render(<Field label="Name" hint="1 to 64 characters." value="" onChange={() => undefined} />);
    const input = screen.getByLabelText("Name");
    expect(descriptionOf(input)).toBe("1 to 64 characters.");
    expect(input.getAttribute("aria-invalid")).toBeNull();
  });

  it("marks the input invalid and reads the problem before the hint; a server's problem shows its code, as text", () => {
    const error = new ApiError({ status: 409, code: "name_taken", title: "Conflict", detail: HOSTILE });
    render(<Field label="Name" hint="Unique." error={error} alertError value="" onChange={() => undefined} />);
    const input = screen.getByLabelText("Name");
    expect(input.getAttribute("aria-invalid")).toBe("true");
    expect(descriptionOf(input)).toBe(`${HOSTILE} (code: name_taken) Unique.`);
    expect(screen.getByRole("alert").textContent).toBe(`${HOSTILE} (code: name_taken)`);
    expect(document.querySelector("img")).toBeNull();
  });

  it("shows a message without announcing it unless asked, and keeps the caller's own description", () => {
    render(
      <>
        <SelectField label="Kind" error="Choose one." aria-describedby="elsewhere" value="" onChange={() => undefined}>
          <option value="">Choose…</option>
        </SelectField>
        <p id="elsewhere">More.</p>
      </>,
    );
    const select = screen.getByLabelText("Kind");
    expect(select.tagName).toBe("SELECT");
    expect(select.getAttribute("aria-invalid")).toBe("true");
    expect(descriptionOf(select)).toBe("Choose one. More.");
    expect(screen.queryByRole("alert")).toBeNull();
  });
});
