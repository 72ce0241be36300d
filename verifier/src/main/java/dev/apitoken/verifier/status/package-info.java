/**
 * The token status list: the IETF OAuth Token Status List bit array ({@link
 * dev.apitoken.verifier.status.StatusList}) and the {@code status-list.json} document that carries
 * it ({@link dev.apitoken.verifier.status.StatusListDocument}). Shared by the operator, which
 * writes it, and the verifier, which reads it.
 */
package dev.apitoken.verifier.status;
