export function PlaceholderPage({ title, message }: { title: string; message?: string }) {
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{title}</h1>
      <p className="muted">{message ?? "This section is not available yet."}</p>
    </section>
  );
}
