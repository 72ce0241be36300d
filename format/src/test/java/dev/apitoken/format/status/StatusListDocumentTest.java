package dev.apitoken.format.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StatusListDocumentTest {
  private static final String URI = "https://apitoken.example/status/default";

  @Test
  void writesExactlyTheContractShape() {
    StatusList list = new StatusList(1, 16);
    list.set(0, StatusList.INVALID);

    String json = StatusListDocument.of(list, URI).toJson();

    assertThat(json)
        .isEqualTo("{\"bits\":1,\"lst\":\"" + list.encodeLst() + "\",\"uri\":\"" + URI + "\"}");
  }

  @Test
  void escapesTheUri() {
    String json = new StatusListDocument(1, "eNrbuRgAAhcBXQ", "https://x/\"q\"").toJson();
    assertThat(json).endsWith("\"uri\":\"https://x/\\\"q\\\"\"}");
    assertThat(StatusListDocument.parse(json).uri()).isEqualTo("https://x/\"q\"");
  }

  @Test
  void parsesWhatItWritesAndDecodesTheList() {
    StatusList list = new StatusList(2, 100);
    list.set(42, StatusList.SUSPENDED);
    StatusListDocument document = StatusListDocument.of(list, URI);

    StatusListDocument parsed = StatusListDocument.parse(document.toJson());

    assertThat(parsed).isEqualTo(document);
    assertThat(parsed.statusList()).isEqualTo(list);
    assertThat(parsed.statusList().get(42)).isEqualTo(StatusList.SUSPENDED);
  }

  @Test
  void acceptsAnyMemberOrderAndWhitespace() {
    StatusListDocument parsed =
        StatusListDocument.parse(
            " { \"uri\" : \"" + URI + "\", \"lst\":\"eNrbuRgAAhcBXQ\",\n \"bits\": 1 } ");
    assertThat(parsed).isEqualTo(new StatusListDocument(1, "eNrbuRgAAhcBXQ", URI));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          duplicate member    | {"bits":1,"bits":1,"lst":"eNrbuRgAAhcBXQ","uri":"u"}    | Duplicate
          unknown member      | {"bits":1,"lst":"eNrbuRgAAhcBXQ","uri":"u","ttl":60} | ttl
          bits missing        | {"lst":"eNrbuRgAAhcBXQ","uri":"u"}                  | bits is missing
          bits as string      | {"bits":"1","lst":"eNrbuRgAAhcBXQ","uri":"u"}       | bits is not an integer
          bits as decimal     | {"bits":1.0,"lst":"eNrbuRgAAhcBXQ","uri":"u"}       | bits is not an integer
          bits unsupported    | {"bits":3,"lst":"eNrbuRgAAhcBXQ","uri":"u"}         | bits must be
          bits huge           | {"bits":99999999999,"lst":"eNrbuRgAAhcBXQ","uri":"u"} | bits is not an integer
          lst missing         | {"bits":1,"uri":"u"}                                | lst is missing
          lst as number       | {"bits":1,"lst":5,"uri":"u"}                        | lst is not a string
          uri missing         | {"bits":1,"lst":"eNrbuRgAAhcBXQ"}                   | uri is missing
          uri null            | {"bits":1,"lst":"eNrbuRgAAhcBXQ","uri":null}        | uri is not a string
          array               | [1]                                                 | not a JSON object
          trailing content    | {"bits":1,"lst":"eNrbuRgAAhcBXQ","uri":"u"} {}      | content after
          trailing garbage    | {"bits":1,"lst":"eNrbuRgAAhcBXQ","uri":"u"}x        | not valid JSON
          truncated           | {"bits":1,"lst":"eNrbuRgAAhcBXQ"                    | not valid JSON
          comment             | {/*c*/"bits":1,"lst":"eNrbuRgAAhcBXQ","uri":"u"}    | not valid JSON
          """)
  void parseIsStrict(String name, String json, String message) {
    assertThatThrownBy(() -> StatusListDocument.parse(json))
        .isInstanceOf(StatusListFormatException.class)
        .hasMessageContaining(message);
  }
}
