/**
 * The token status list: the IETF OAuth Token Status List bit array ({@link
 * dev.apitoken.format.status.StatusList}) and the {@code status-list.json} document that carries it
 * ({@link dev.apitoken.format.status.StatusListDocument}). Shared by the operator, which writes it,
 * and the verifier, which reads it.
 */
package dev.apitoken.format.status;
