"""The versions of ocrfix's own procedures that are part of its cache keys (``batch.ocr_key_parts``,
``batch.correction_key_parts``): bumped where a change alters what a read or a correction gives, so
that a folder made the old way is read or corrected again. Kept apart from the code they version,
which imports OpenCV and the dictionaries, so that ``ocrfix status`` names them at once."""

__all__ = ["READ_VERSION", "CORRECTOR_VERSION"]

# Preprocessing and the way a page is read (process.py, preprocess.py, verify.py, reread.py).
# 3: each word of a line read twice carries what the other read has at its place where they differ,
# and an unknown word gives way to the other read's known word there, a slip or two apart. 4: a
# 16-bit grey scan or one with a transparent background is preprocessed as the page it shows (it
# was a blank or a black page). 5: a page turned a quarter clockwise, which Tesseract read as
# scanned as lines running down the page (words clearly taller than wide), ships its turned read (it
# shipped the vertical one on a tie);
# a JPEG with further images in it (MPF: a camera's preview) is one page, not one per image, and a
# TIFF's thumbnail or mask no page; a PDF page of a size no paper has renders at its scan's own pixels,
# as does one whose scan is placed turned a quarter;
# a fax turned a quarter is stretched across, not down, and one stored turned (98 x 204 dpi) is a fax;
# a page too short to tell which way round it is turns as its EXIF orientation says.
READ_VERSION = 5

# The corrector's rules (pipeline/correct/). 3: approved replacements the dictionaries trust are no longer
# known words. 4: a trusted word is not joined with a fragment of one or two letters. 5: words of
# punctuation alone are not flagged, and where no corrector runs Tesseract's doubt flags words.
# 6: the review queue stored with each file (made when it is corrected) holds the flagged pieces of
# a token the corrector split, and where no corrector runs the words the chooser doubts.
# 7: in plain text, no word the dictionaries know is changed (SCOWL's count-1 words were); the
# name-fragment rule is gone (it changed nothing on any dev collection, nor on its own example); a
# capital the collection writes a quarter of the time (not half) is its habit, not a case slip.
# 8: ordinals with look-alike letters for digits ("lst" -> "1st"); a corrected word with three
# capitals or more and mostly capitals is written in capitals. 9: the word prior takes in the
# collection's own frequencies (collection_mu). 10: where no corrector runs, Tesseract's doubt
# flags words below 70, or unknown to its word list and below 90 (were the chooser's 60 and 80).
# 11: ordinals with S for 5 and B for 8 too ("Sth" -> "5th"). 12: a token of punctuation alone
# that is likely wrong is flagged (review deletes specks). 13: a capitalised word after a title or an
# initial ("Mr. Warry", "W. E. Frere") gets the name prior, as mid-sentence. 14: the halves of a known
# word hyphenated at a line's end are judged whole for p_wrong (and Tesseract's doubt), across a
# paragraph break Tesseract put between them too. 15: p_wrong refit with three more features (a
# comma before a sentence, a stop before a small word, an odd capital), flagging from 0.22. 16: no
# case slip is lowered after a single letter other than "a" (a speck: "h Was"). 17: every title is an
# abbreviation ("Capt.", "Supt."), so a stop after one is no stray stop. 18: no case slip is lowered on
# the second part of a name joined by "and"/"of" ("Walter and Son"), nor on a word the page capitalises
# mid-sentence twice or more and never writes small; a name typed in capitals keeps them ("GEORGE"); the
# name prior only up to 8 letters ("Weduesday" is Wednesday misread); a page whose words are not the
# dictionaries' language is left as read (German with --lang eng). 19: a form the collection repeats
# is not its own word where it is two words run together that the collection writes ten times as
# often ("andthe"), so it can be split. 20: a word hyphenated inside a reflowed line ("exami- nation")
# is written whole where the corpus writes it whole more often than as the two halves. 21: also
# across one or two short tokens of a neighbouring column between the halves ("dis- Le orderly").
# 22: a split leaves no lone letter but a and i at the end either ("keepe" is not "keep e").
# 23: a spelling the collection writes consistently for several words ("tolde", "soone": a final e)
# is its habit, kept also on the words it writes once. 24: not an edit the channel takes for a
# typewriter confusion ("thc" for "the" on every page stays a misreading). 25: the unknown-word
# priors move down where the collection is more garbled (its share of unknown forms written once).
# 26: a known word whose corpus count the corpus's own misreadings of a neighbour explain ("ard"
# beside "and") is open to correction towards that neighbour, even where Tesseract did not doubt it.
# 27: a short word's candidates include the words one multi-letter confusion away ("aiid" -> "and").
# 28: text from another OCR engine (ocrfix correct) teaches the channel the slips its words show.
# 29: where no corrector runs, a word the two reads of its line read differently is doubted like an
# unknown word (flagged below 90); review suggests the other read's word. 30: a comma between two
# common words keeps itself and gets its lost space ("inspection,and" -> "inspection, and").
# 31: an unknown lower-case form spelt as no word is (spelling_shape) is less likely right as read.
# 32: a change names its word in the corrected page, and a split word's halves share its box.
# 33: joining and splitting words weigh keeping an unknown word by its spelling too.
# 34: where no corrector runs, a read model gives every word read its probability of being wrong
# (calibration.DEFAULT_READ_MODEL), which flags it, in place of bars of confidence.
# 35: a word a person decided (corrections.yaml) is not given p_wrong nor flagged by the corrector.
# 36: a word written with a typographic ligature (ﬁ, ﬃ) is judged by the letters it stands for.
# 37: and the collection model counts it by them too (a spelling of its own written with one was corrected).
# (A workspace keeps each file's forms as counted when it was read: only files read again count anew.)
# 38: a word closed by German quotes (“ ‘ after „Wort) is the word inside them.
CORRECTOR_VERSION = 38
