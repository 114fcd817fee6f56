export default function AuditSection() {
  return <p className="muted">Audit log: not available yet.</p>;
}
