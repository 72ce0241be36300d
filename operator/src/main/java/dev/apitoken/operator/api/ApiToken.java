package dev.apitoken.operator.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/** A signed API token, kept in a Secret in the same namespace and revocable through its spec. */
@Group(ApiToken.GROUP)
@Version(ApiToken.VERSION)
@Kind("ApiToken")
@Plural("apitokens")
@Singular("apitoken")
@ShortNames({"apitok", "apit"})
// A category, so that kubectl get apitoken keeps listing everything the operator owns when it
// gains a second kind.
@Categories("apitoken")
@AdditionalPrinterColumn(
    name = "Ready",
    type = AdditionalPrinterColumn.Type.STRING,
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status")
@AdditionalPrinterColumn(
    name = "Revoked",
    type = AdditionalPrinterColumn.Type.STRING,
    jsonPath = ".status.conditions[?(@.type==\"Revoked\")].status")
@AdditionalPrinterColumn(
    name = "Subject",
    type = AdditionalPrinterColumn.Type.STRING,
    jsonPath = ".spec.subject")
@AdditionalPrinterColumn(
    name = "Expires",
    // A date column prints as an age, and a future time as "<invalid>": show the timestamp.
    type = AdditionalPrinterColumn.Type.STRING,
    jsonPath = ".status.expiresAt")
@AdditionalPrinterColumn(
    name = "Secret",
    type = AdditionalPrinterColumn.Type.STRING,
    jsonPath = ".status.secretName")
@AdditionalPrinterColumn(
    name = "Status",
    // Priority 1: shown by kubectl get -o wide only, since a message is too long for the table.
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1,
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].message")
@AdditionalPrinterColumn(
    name = "Age",
    type = AdditionalPrinterColumn.Type.DATE,
    jsonPath = ".metadata.creationTimestamp")
public class ApiToken extends CustomResource<ApiTokenSpec, ApiTokenStatus> implements Namespaced {
  public static final String GROUP = "apitoken.dev";
  public static final String VERSION = "v1alpha1";

  @Override
  protected ApiTokenStatus initStatus() {
    return new ApiTokenStatus();
  }
}
