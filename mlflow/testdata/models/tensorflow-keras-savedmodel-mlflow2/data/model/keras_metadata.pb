placeholder bytes for data/model/keras_metadata.pb of fixture tensorflow-keras-savedmodel-mlflow2
