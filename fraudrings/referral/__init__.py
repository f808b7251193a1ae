"""Referral of confirmed leads to public security (行刑衔接): a complete, verifiable
package (PDF in Chinese, evidence as JSON and CSV, the ring's picture, a SHA-256
manifest), recorded in the graph and the audit log."""
