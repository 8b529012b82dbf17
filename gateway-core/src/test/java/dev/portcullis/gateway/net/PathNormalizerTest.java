package dev.portcullis.gateway.net;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PathNormalizerTest {

  private final PathNormalizer merging = new PathNormalizer(true);
  private final PathNormalizer strict = new PathNormalizer(false);

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', textBlock = """
      /a/../b          | /b
      /a/./b           | /a/b
      //a              | /a
      /a//b///c        | /a/b/c
      /a;b/..          | /
      /a/b/            | /a/b/
      /a/b/.           | /a/b/
      /a/b/..          | /a/
      /a/..            | /
      /                | /
      /%7Euser         | /~user
      /%41%62c         | /Abc
      /a%2eb           | /a.b
      /%2e/x           | /x
      /x/%2e%2e/y      | /y
      /a%20b           | /a%20b
      /a%3bb           | /a%3Bb
      /caf%c3%a9       | /caf%C3%A9
      /a"b             | /a%22b
      /a{b}            | /a%7Bb%7D
      /.well-known/x   | /.well-known/x
      /a/...           | /a/...
      """)
  void normalisesToTheDocumentedForm(String raw, String expected) throws Exception {
    assertThat(merging.normalize(raw)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} rejected: {1}")
  @CsvSource(delimiter = '|', textBlock = """
      /%2e%2e/         | climbs above the root
      /%2E%2e%2f       | encoded slash
      /a%2fb           | encoded slash
      /a%2Fb           | encoded slash
      /a%5cb           | encoded backslash
      /a%00b           | encoded NUL
      /a%0ab           | encoded control character
      %252e%252e       | must start with '/'
      /%252e%252e      | percent-encoded twice
      /%25%32%65%25%32%65/ | percent-encoded twice
      /a%25%32%46b     | percent-encoded twice
      /%c0%ae          | not valid UTF-8
      /%c0%ae%c0%ae/x  | not valid UTF-8
      /%e0%80%ae       | not valid UTF-8
      /%c3             | not valid UTF-8
      /a/b/../../..    | climbs above the root
      /..              | climbs above the root
      /..;/admin       | dot segment with parameters
      /a/.;x/b         | dot segment with parameters
      /a%2             | malformed percent-escape
      /a%zz            | malformed percent-escape
      /a\\b            | backslash
      a/b              | must start with '/'
      """)
  void rejectsWithAReason(String raw, String reason) {
    assertThatThrownBy(() -> merging.normalize(raw))
        .isInstanceOf(PathNormalizer.RejectedPathException.class)
        .hasMessageContaining(reason);
  }

  @ParameterizedTest
  @CsvSource({"//a", "/a//b", "/a/%2e//b"})
  void duplicateSlashesAreRejectedWhenConfigured(String raw) {
    assertThatThrownBy(() -> strict.normalize(raw))
        .isInstanceOf(PathNormalizer.RejectedPathException.class)
        .hasMessageContaining("empty segment");
  }

  @org.junit.jupiter.api.Test
  void controlCharactersAndRawNonAsciiAreRejected() {
    assertThatThrownBy(() -> merging.normalize("/a\tb")).hasMessageContaining("control character");
    assertThatThrownBy(() -> merging.normalize("/a b")).hasMessageContaining("control character or space");
    assertThatThrownBy(() -> merging.normalize("/café")).hasMessageContaining("non-ASCII");
  }
}
