//! A tiny HTML writer that escapes by default.
//!
//! Tag and attribute names are `&'static str`, so only this crate's code can
//! choose them; every text and attribute value is escaped.
//! Elements are written by closures, so opening and closing tags always pair
//! up. The only unescaped input is [`Html::trusted`], which takes a
//! `&'static str` (the style sheet, the doctype), and JSON data in a script
//! element ([`Html::script_data`]), which cannot close it.

/// Attributes of one element: (name, value); the value is escaped.
pub(crate) type Attrs<'a> = &'a [(&'static str, &'a str)];

/// An HTML document being written.
#[derive(Default)]
pub(crate) struct Html {
    out: String,
}

impl Html {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self {
            out: String::with_capacity(capacity),
        }
    }

    /// The finished text.
    pub(crate) fn finish(self) -> String {
        self.out
    }

    /// `<tag attrs>`, the body, `</tag>`.
    pub(crate) fn el(&mut self, tag: &'static str, attrs: Attrs<'_>, body: impl FnOnce(&mut Self)) {
        self.start_tag(tag, attrs);
        self.out.push('>');
        body(self);
        self.end_tag(tag);
    }

    /// An element holding only (escaped) text.
    pub(crate) fn el_text(&mut self, tag: &'static str, attrs: Attrs<'_>, text: &str) {
        self.el(tag, attrs, |h| h.text(text));
    }

    /// An element without content, `<tag attrs/>` (void HTML elements and SVG
    /// shapes; HTML5 ignores the slash on void elements).
    pub(crate) fn empty(&mut self, tag: &'static str, attrs: Attrs<'_>) {
        self.start_tag(tag, attrs);
        self.out.push_str("/>");
    }

    /// Escaped text.
    pub(crate) fn text(&mut self, text: &str) {
        escape_into(&mut self.out, text);
    }

    /// `<script>window.NAME = JSON;</script>`: `json` must be JSON; every
    /// `<` in it is escaped, so nothing in it can close the element.
    pub(crate) fn script_data(&mut self, name: &'static str, json: &str) {
        self.trusted("<script>window.");
        self.trusted(name);
        self.trusted(" = ");
        self.out.push_str(&json.replace('<', "\\u003c"));
        self.trusted(";</script>");
    }

    /// Markup written by this crate (never user data).
    pub(crate) fn trusted(&mut self, markup: &'static str) {
        self.out.push_str(markup);
    }

    /// A line break in the source, to keep the output readable.
    pub(crate) fn newline(&mut self) {
        self.out.push('\n');
    }

    fn start_tag(&mut self, tag: &'static str, attrs: Attrs<'_>) {
        self.out.push('<');
        self.out.push_str(tag);
        for (name, value) in attrs {
            self.out.push(' ');
            self.out.push_str(name);
            self.out.push_str("=\"");
            escape_into(&mut self.out, value);
            self.out.push('"');
        }
    }

    fn end_tag(&mut self, tag: &'static str) {
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
    }
}

/// Escapes text for HTML content and quoted attribute values.
fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_text_and_attributes() {
        let mut h = Html::default();
        h.el("p", &[("title", "a\"b'<c>&")], |h| {
            h.text("<script>alert('x')</script> & \"y\"");
            h.empty("br", &[]);
        });
        assert_eq!(
            h.finish(),
            "<p title=\"a&quot;b&#39;&lt;c&gt;&amp;\">&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; \
             &amp; &quot;y&quot;<br/></p>"
        );
        let mut h = Html::default();
        h.text("ü & 🎉");
        assert_eq!(h.finish(), "ü &amp; 🎉");
    }
}
