//! Record headers as bytes in a column: `[u16 count] ([u16 len][name] [u32 len][value])*`.

use bytes::Bytes;
use tagar_eventlog::Headers;

use crate::error::StoreError;

pub(crate) fn encode(headers: &Headers) -> Vec<u8> {
    let size: usize = headers.iter().map(|(n, v)| 6 + n.len() + v.len()).sum();
    let mut out = Vec::with_capacity(2 + size);
    out.extend_from_slice(&(headers.len() as u16).to_le_bytes());
    for (name, value) in headers.iter() {
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&(value.len() as u32).to_le_bytes());
        out.extend_from_slice(value);
    }
    out
}

pub(crate) fn decode(bytes: &[u8]) -> Result<Headers, StoreError> {
    let corrupt = || StoreError::Corrupt {
        field: "headers",
        reason: "truncated header block".into(),
    };
    let mut rest = bytes;
    let mut take = |n: usize| -> Result<&[u8], StoreError> {
        if rest.len() < n {
            return Err(corrupt());
        }
        let (head, tail) = rest.split_at(n);
        rest = tail;
        Ok(head)
    };
    if bytes.is_empty() {
        return Ok(Headers::new());
    }
    let count = u16::from_le_bytes(take(2)?.try_into().map_err(|_| corrupt())?);
    let mut pairs = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        let n = u16::from_le_bytes(take(2)?.try_into().map_err(|_| corrupt())?);
        let name = std::str::from_utf8(take(usize::from(n))?)
            .map_err(|_| StoreError::Corrupt {
                field: "headers",
                reason: "header name is not UTF-8".into(),
            })?
            .to_owned();
        let v = u32::from_le_bytes(take(4)?.try_into().map_err(|_| corrupt())?);
        pairs.push((name, Bytes::copy_from_slice(take(v as usize)?)));
    }
    Ok(pairs.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_round_trip() {
        let h = Headers::new()
            .with("traceparent", "00-abc-01")
            .with("empty", "")
            .with("bin", vec![0u8, 255]);
        assert_eq!(decode(&encode(&h)).unwrap(), h);
        assert_eq!(decode(&encode(&Headers::new())).unwrap(), Headers::new());
    }

    #[test]
    fn truncated_blocks_are_errors_not_panics() {
        let full = encode(&Headers::new().with("a", "bc"));
        for cut in 1..full.len() {
            assert!(decode(&full[..cut]).is_err(), "cut at {cut}");
        }
    }
}
