//! Cross-entropy losses from logits, computed without materialising a softmax (issue 5).
