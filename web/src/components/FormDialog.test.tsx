import { cleanup, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Field } from "./Field";
import { FormDialog } from "./FormDialog";

describe("FormDialog", () => {
  afterEach(cleanup);

  it("submits the form from its button and from Enter in a field, without the browser's submit", async () => {
    const user = userEvent.setup();
    const onSubmit = vi.fn();
    render(
      <FormDialog title="New thing" submitLabel="Create" busyLabel="Creating…" busy={false} onClose={() => undefined} onSubmit={onSubmit}>
        <Field label="Name" defaultValue="" />
      </FormDialog>,
    );
    const dialog = screen.getByRole("dialog", { name: "New thing" });
    await user.click(within(dialog).getByRole("button", { name: "Create" }));
    await user.type(within(dialog).getByLabelText("Name"), "x{Enter}");
    expect(onSubmit).toHaveBeenCalledTimes(2);
  });

  it("while busy: says so on the submit button and disables both buttons; Cancel closes otherwise", async () => {
    const user = userEvent.setup();
    const onClose = vi.fn();
    const { rerender } = render(
      <FormDialog title="New thing" submitLabel="Create" busyLabel="Creating…" busy onClose={onClose} onSubmit={() => undefined}>
        <p>Body</p>
      </FormDialog>,
    );
    expect(screen.getByRole("button", { name: "Creating…" })).toHaveProperty("disabled", true);
    expect(screen.getByRole("button", { name: "Cancel" })).toHaveProperty("disabled", true);
    expect(screen.getByText("Body").closest("form")!.getAttribute("aria-busy")).toBe("true");

    rerender(
      <FormDialog title="New thing" submitLabel="Create" busyLabel="Creating…" busy={false} disabled onClose={onClose} onSubmit={() => undefined}>
        <p>Body</p>
      </FormDialog>,
    );
    expect(screen.getByRole("button", { name: "Create" })).toHaveProperty("disabled", true);
    await user.click(screen.getByRole("button", { name: "Cancel" }));
    expect(onClose).toHaveBeenCalledTimes(1);
  });
});
